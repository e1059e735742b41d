// SPDX-License-Identifier: Apache-2.0
import { parseAllDocuments, type Tags } from 'yaml';
import { badRequest } from '../errors';
import type { KubeObject } from '../object';

/** The largest manifest stream accepted (Kubernetes' request body limit is 3 MiB). */
export const MAX_MANIFEST_BYTES = 3 * 1024 * 1024;
/**
 * YAML 1.1's float pattern in the yaml library also matches a bare `.`; go-yaml (which
 * kubectl uses) needs a digit, so `directory: .` stays the string ".".
 */
function kubectlTags(tags: Tags): Tags {
  return tags.map((t) =>
    typeof t === 'object' && t.tag === 'tag:yaml.org,2002:float' && t.test?.test('.')
      ? { ...t, test: new RegExp(t.test.source.replace(/^\^/, '^(?=[-+]?\\.?[0-9])')) }
      : t,
  );
}

/** Alias expansions allowed per document: enough for real manifests, far below a "billion laughs". */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses a manifest stream as kubectl reads it: JSON, or YAML 1.1 (so `0444` is octal and
 * `yes` is a boolean), with several `---` documents and `kind: List` flattened. Empty
 * documents are skipped. Errors name the document and line.
 */
export function parseManifests(text: string, source = 'STDIN'): KubeObject[] {
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) {
    throw badRequest(`error parsing ${source}: the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return flatten(JSON.parse(text) as unknown, source);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      // Not JSON after all (YAML flow style): fall through to the YAML parser.
    }
  }
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: true, customTags: kubectlTags });
  const out: KubeObject[] = [];
  let index = 0;
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    index++;
    const err = doc.errors[0];
    if (err) {
      throw badRequest(`error parsing ${source}: error converting YAML to JSON: yaml: ${firstLine(err.message)}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      throw badRequest(`error parsing ${source} (document ${index}): ${(e as Error).message}`);
    }
    if (value === null || value === undefined) continue;
    out.push(...flatten(value, source));
  }
  return out;
}

function flatten(value: unknown, source: string): KubeObject[] {
  if (Array.isArray(value)) return value.flatMap((v) => flatten(v, source));
  if (typeof value !== 'object' || value === null) {
    throw badRequest(`error parsing ${source}: expected an object, got ${JSON.stringify(value)}`);
  }
  const obj = value as KubeObject;
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj['items'])) {
    return (obj['items'] as unknown[]).flatMap((v) => flatten(v, source));
  }
  return [obj];
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
