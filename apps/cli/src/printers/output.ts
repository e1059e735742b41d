// SPDX-License-Identifier: Apache-2.0
import { allResources, type KubeObject } from '@berth/api';
import { printCustomColumns, parseCustomColumns } from './custom-columns';
import { goJson } from './go-values';
import { executeJsonPath, parseJsonPath } from './jsonpath';
import { printTable } from './table-printer';
import { toKubectlYaml } from './yaml';

/** A parsed -o flag. `template` is the jsonpath template or the custom-columns spec. */
export type OutputFormat = {
  type: 'table' | 'wide' | 'yaml' | 'json' | 'name' | 'jsonpath' | 'custom-columns';
  template?: string;
  /** -o jsonpath-as-json=: results printed as indented JSON arrays. */
  asJson?: boolean;
};

const ALLOWED_FORMATS =
  'custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml';
const UNSUPPORTED = new Set(['custom-columns-file', 'go-template', 'go-template-file', 'jsonpath-file', 'template', 'templatefile']);

/**
 * Parses -o as kubectl does: `wide`, `yaml`, `json`, `name`, `jsonpath=<template>`,
 * `jsonpath-as-json=<template>`, `custom-columns=<spec>`; an absent value is the table.
 * Templates and specs are checked here, so a bad one fails before anything is fetched.
 */
export function parseOutputFlag(o: string | undefined): OutputFormat {
  // pflag accepts `-o=json`; commander hands the '=' over.
  const value = (o ?? '').replace(/^=/, '');
  if (value === '') return { type: 'table' };
  if (value === 'wide' || value === 'yaml' || value === 'json' || value === 'name') return { type: value };
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  const arg = eq < 0 ? '' : value.slice(eq + 1);
  if (name === 'jsonpath' || name === 'jsonpath-as-json') {
    if (arg === '') throw new Error('template format specified but no template given');
    try {
      parseJsonPath(arg);
    } catch (e) {
      throw new Error(`error parsing jsonpath ${arg}, ${(e as Error).message}`);
    }
    return name === 'jsonpath' ? { type: 'jsonpath', template: arg } : { type: 'jsonpath', template: arg, asJson: true };
  }
  if (name === 'custom-columns') {
    parseCustomColumns(arg);
    return { type: 'custom-columns', template: arg };
  }
  if (UNSUPPORTED.has(name)) throw new Error(`the output format "${name}" is not supported by berth`);
  throw new Error(`unable to match a printer suitable for the output format "${value}", allowed formats are: ${ALLOWED_FORMATS}`);
}

/** Options of printObjects. */
export interface PrintObjectsOptions {
  /** A single named object prints as itself; anything else as a List. */
  singleItem: boolean;
  /** custom-columns without the header row. */
  noHeaders?: boolean;
  /** Keep metadata.managedFields (kubectl hides them unless --show-managed-fields). */
  showManagedFields?: boolean;
  /** The kind to assume for objects that carry no kind/apiVersion. */
  kind?: string;
  /** For table/wide formats only: the time AGE is measured against. */
  now?: Date;
}

/** The object as kubectl serialises it: kind and apiVersion present, managedFields hidden. */
function presentable(obj: KubeObject, opts: PrintObjectsOptions): KubeObject {
  let out: KubeObject = obj;
  if ((!obj.kind || !obj.apiVersion) && opts.kind) {
    const info = allResources().find((r) => r.kind === opts.kind);
    if (info) {
      const { apiVersion: _a, kind: _k, ...rest } = obj;
      out = { apiVersion: obj.apiVersion ?? (info.group ? `${info.group}/${info.version}` : info.version), kind: obj.kind ?? info.kind, ...rest };
    }
  }
  if (!opts.showManagedFields && out.metadata?.managedFields) {
    const { managedFields: _m, ...metadata } = out.metadata;
    out = { ...out, metadata };
  }
  return out;
}

/** `pod/db`, `deployment.apps/web`: the kind lower-cased, qualified by its group. */
export function resourceName(obj: KubeObject): string {
  const apiVersion = obj.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const kind = (obj.kind ?? '').toLowerCase();
  return `${kind}${group ? `.${group}` : ''}/${obj.metadata?.name ?? ''}`;
}

function asList(objs: KubeObject[]): Record<string, unknown> {
  return { apiVersion: 'v1', items: objs, kind: 'List', metadata: { resourceVersion: '' } };
}

/**
 * Objects as `kubectl get -o yaml|json|name|jsonpath=|custom-columns=` prints them: one
 * object alone when singleItem, else a `kind: List`; JSON with 4-space indentation and
 * sorted keys, YAML as go-yaml writes it.
 */
export function printObjects(objs: KubeObject[], format: OutputFormat, opts: PrintObjectsOptions): string {
  const items = objs.map((o) => presentable(o, opts));
  const single = opts.singleItem && items.length === 1;
  const data: unknown = single ? items[0] : asList(items);
  switch (format.type) {
    case 'json':
      return goJson(data, '    ') + '\n';
    case 'yaml':
      return toKubectlYaml(data);
    case 'name':
      return items.map((o) => resourceName(o) + '\n').join('');
    case 'jsonpath':
      return executeJsonPath(format.template ?? '', data, { outputJson: format.asJson ?? false });
    case 'custom-columns':
      return printCustomColumns(format.template ?? '', items, opts.noHeaders ?? false);
    case 'table':
    case 'wide': {
      const now = opts.now ?? new Date();
      const kinds = [...new Set(items.map((o) => o.kind ?? opts.kind ?? ''))];
      return kinds
        .map((k) => printTable(k, items.filter((o) => (o.kind ?? opts.kind ?? '') === k), { wide: format.type === 'wide', withKind: kinds.length > 1 }, now))
        .join('\n');
    }
  }
}
