// SPDX-License-Identifier: Apache-2.0
/**
 * RFC 6902 JSON patch (`application/json-patch+json`): an ordered list of add, remove,
 * replace, move, copy and test operations. A malformed patch is a BadRequest (400); an
 * operation that does not apply to the document is Invalid (422), as the API server answers.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest, newStatusError, type StatusError } from '../errors';
import { cloneJson, isJsonMap } from './merge-patch';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Checks the patch's shape, before touching the document; returns the operations. */
function decodeOps(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) throw badRequest('invalid JSON patch: a JSON patch must be a list of operations');
  ops.forEach((op, i) => {
    if (!isJsonMap(op)) throw badRequest(`invalid JSON patch: operation ${i} is not an object`);
    const name = op['op'];
    if (typeof name !== 'string' || !OPS.has(name)) {
      throw badRequest(`invalid JSON patch: operation ${i} has unsupported op ${JSON.stringify(name ?? null)} (want one of add, remove, replace, move, copy, test)`);
    }
    const path = op['path'];
    if (typeof path !== 'string') throw badRequest(`invalid JSON patch: ${name} operation ${i} has no "path"`);
    if (path !== '' && !path.startsWith('/')) {
      throw badRequest(`invalid JSON patch: ${name} operation ${i} has path ${JSON.stringify(path)}, which does not start with "/"`);
    }
    if ((name === 'move' || name === 'copy') && typeof op['from'] !== 'string') {
      throw badRequest(`invalid JSON patch: ${name} operation ${i} has no "from"`);
    }
    if ((name === 'add' || name === 'replace' || name === 'test') && !('value' in op)) {
      throw badRequest(`invalid JSON patch: ${name} operation ${i} has no "value"`);
    }
  });
  return cloneJson(ops) as Operation[];
}

function valueAt(doc: unknown, path: string): { found: boolean; value?: unknown } {
  let cur: unknown = doc;
  if (path === '') return { found: true, value: cur };
  for (const raw of path.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(key) || Number(key) >= cur.length) return { found: false };
      cur = cur[Number(key)];
    } else if (isJsonMap(cur) && Object.prototype.hasOwnProperty.call(cur, key)) {
      cur = cur[key];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

const show = (v: unknown): string => (v === undefined ? 'nil' : JSON.stringify(v));

/** Turns one of fast-json-patch's errors into the StatusError the API returns. */
function toStatusError(e: unknown, doc: unknown): StatusError {
  if (!(e instanceof jsonpatch.JsonPatchError)) {
    return badRequest(`invalid JSON patch: ${e instanceof Error ? e.message : String(e)}`);
  }
  const op = (e.operation ?? {}) as { op?: string; path?: string; from?: string; value?: unknown };
  const name = op.op ?? 'unknown';
  const path = op.path ?? '';
  const tree = e.tree ?? doc;
  const unprocessable = (msg: string): StatusError => newStatusError('Invalid', msg);
  switch (e.name) {
    case 'TEST_OPERATION_FAILED': {
      const at = valueAt(tree, path);
      if (!at.found) return unprocessable(`jsonpatch test operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
      return unprocessable(`jsonpatch test operation does not apply: is: ${show(at.value)}, expected: ${show(op.value)}`);
    }
    case 'OPERATION_PATH_UNRESOLVABLE':
    case 'OPERATION_PATH_CANNOT_ADD':
      return unprocessable(`jsonpatch ${name} operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
    case 'OPERATION_FROM_UNRESOLVABLE':
      return unprocessable(`jsonpatch ${name} operation does not apply: doc is missing from path: ${JSON.stringify(op.from ?? '')}`);
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return unprocessable(`jsonpatch ${name} operation does not apply: index out of bounds: ${JSON.stringify(path)}`);
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
      return unprocessable(`jsonpatch ${name} operation does not apply: invalid list index in path: ${JSON.stringify(path)}`);
    default:
      return badRequest(`invalid JSON patch: ${e.message}`);
  }
}

/**
 * Applies an RFC 6902 JSON patch and returns the result; `doc` and `ops` are not modified.
 * Throws a StatusError naming the failing operation and path.
 */
export function applyJsonPatch<T>(doc: T, ops: unknown): T {
  const operations = decodeOps(ops);
  const start = cloneJson(doc);
  try {
    return jsonpatch.applyPatch(start, operations, true, true).newDocument as T;
  } catch (e) {
    throw toStatusError(e, start);
  }
}
