// SPDX-License-Identifier: Apache-2.0
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { messageSchema, type ResourceInfo } from '@berth/api';
import { CliError, UsageError } from './errors';
import { action, type ContextFactory } from './program';
import { REPO_ROOT } from '../repo-root';
import { resolveType } from './resources';

/** Doc comments from the .proto sources: "berth.core.v1.Container" and "berth.core.v1.Container.image". */
export type ProtoDocs = Map<string, string>;

/**
 * Reads the leading `//` comments of messages and fields from .proto text. The generated
 * descriptors carry no source comments, so `explain` reads the sources the API is
 * generated from.
 */
export function parseProtoDocs(text: string, docs: ProtoDocs = new Map()): ProtoDocs {
  const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(text)?.[1] ?? '';
  const stack: string[] = [];
  let comment: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('//')) {
      comment.push(line.replace(/^\/\/\s?/, ''));
      continue;
    }
    const msg = /^message\s+(\w+)\s*\{/.exec(line);
    if (msg) {
      stack.push(msg[1] as string);
      if (comment.length) docs.set([pkg, ...stack].join('.'), comment.join(' ').trim());
      comment = [];
      continue;
    }
    if (/^(enum|oneof)\s+\w+\s*\{/.test(line)) {
      stack.push('');
      comment = [];
      continue;
    }
    if (line.startsWith('}')) {
      stack.pop();
      comment = [];
      continue;
    }
    const field = /^(?:repeated\s+|optional\s+)?(?:map<[^>]+>|[\w.]+)\s+(\w+)\s*=\s*\d+/.exec(line);
    if (field && stack.length && stack[stack.length - 1] !== '' && comment.length) {
      docs.set([pkg, ...stack, field[1]].join('.'), comment.join(' ').trim());
    }
    comment = [];
  }
  return docs;
}

let cached: ProtoDocs | undefined;

/** Every doc comment of the API's .proto files (read once). */
export function loadProtoDocs(root = join(REPO_ROOT, 'protos/berth')): ProtoDocs {
  if (cached) return cached;
  const docs: ProtoDocs = new Map();
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.proto')) parseProtoDocs(readFileSync(join(dir, e.name), 'utf8'), docs);
    }
  };
  walk(root);
  cached = docs;
  return docs;
}

const SPECIAL_TYPES: Record<string, string> = {
  'google.protobuf.Timestamp': 'string',
  'google.protobuf.Value': 'IntOrString',
  'google.protobuf.Struct': 'Object',
};

function scalarName(s: ScalarType): string {
  switch (s) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return 'string';
    case ScalarType.BOOL:
      return 'boolean';
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return 'number';
    default:
      return 'integer';
  }
}

function messageTypeName(m: DescMessage): string {
  return SPECIAL_TYPES[m.typeName] ?? m.name;
}

/** kubectl's type notation: `<string>`, `<[]Container>`, `<map[string]string>`, `<ObjectMeta>`. */
export function fieldTypeName(f: DescField): string {
  switch (f.fieldKind) {
    case 'scalar':
      return scalarName(f.scalar);
    case 'enum':
      return 'string';
    case 'message':
      return messageTypeName(f.message);
    case 'list':
      return `[]${f.listKind === 'message' ? messageTypeName(f.message) : f.listKind === 'scalar' ? scalarName(f.scalar) : 'string'}`;
    case 'map':
      return `map[string]${f.mapKind === 'message' ? messageTypeName(f.message) : f.mapKind === 'scalar' ? scalarName(f.scalar) : 'string'}`;
  }
}

function fieldMessage(f: DescField): DescMessage | undefined {
  if (f.fieldKind === 'message') return f.message;
  if (f.fieldKind === 'list' && f.listKind === 'message') return f.message;
  if (f.fieldKind === 'map' && f.mapKind === 'message') return f.message;
  return undefined;
}

function indent(text: string, by: string, width = 80): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => `${by}${l}\n`).join('');
}

const TOP_LEVEL_DOCS: Record<string, string> = {
  apiVersion: 'APIVersion defines the versioned schema of this representation of an object.',
  kind: 'Kind is a string value representing the REST resource this object represents.',
  metadata: "Standard object's metadata.",
};

/** The text of `explain RESOURCE[.field...]`, laid out as kubectl prints it. */
export function explain(path: string, docs: ProtoDocs = loadProtoDocs()): string {
  const [resource, ...fields] = path.split('.');
  const info: ResourceInfo = resolveType(resource ?? '');
  let message = messageSchema(info);
  let field: DescField | undefined;
  for (const [i, name] of fields.entries()) {
    const f = message.fields.find((x) => x.jsonName === name || x.name === name);
    if (!f) throw new CliError(`field "${name}" does not exist`);
    field = f;
    const next = fieldMessage(f);
    if (!next || SPECIAL_TYPES[next.typeName]) {
      if (i !== fields.length - 1) throw new CliError(`field "${fields[i + 1] ?? ''}" does not exist`);
      message = next ?? message;
      break;
    }
    message = next;
  }
  let out = '';
  if (info.group) out += `GROUP:      ${info.group}\n`;
  out += `KIND:       ${info.kind}\nVERSION:    ${info.version}\n\n`;
  if (field) out += `FIELD: ${field.jsonName} <${fieldTypeName(field)}>\n\n`;
  const description = field ? docs.get(`${field.parent.typeName}.${field.name}`) ?? docs.get(message.typeName) : docs.get(message.typeName);
  out += `DESCRIPTION:\n${indent(description ?? '<empty>', '    ')}`;
  const composite = !field || (fieldMessage(field) && !SPECIAL_TYPES[fieldMessage(field)?.typeName ?? '']);
  if (composite && message.fields.length > 0) {
    out += '\nFIELDS:\n';
    for (const f of message.fields) {
      out += `  ${f.jsonName}\t<${fieldTypeName(f)}>\n`;
      const doc = docs.get(`${message.typeName}.${f.name}`) ?? (!field ? TOP_LEVEL_DOCS[f.jsonName] : undefined);
      out += doc ? indent(doc, '    ') : '';
      out += '\n';
    }
  }
  return out;
}

/** Registers `explain`. */
export function registerExplain(program: Command, ctx: ContextFactory): void {
  const cmd = program
    .command('explain')
    .description('Describe fields and structure of a resource (from the API\'s .proto definitions)')
    .argument('[args...]')
    .option('--api-version <version>', 'Accepted; Berth serves one version per kind')
    .option('--recursive', 'Accepted; prints one level');
  action(cmd, ctx, async (c, args) => {
    if (args.length !== 1) throw new UsageError('We accept only this format: explain RESOURCE', 'berth explain');
    c.stdout.write(explain(args[0] as string));
  });
}
