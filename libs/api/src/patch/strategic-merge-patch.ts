// SPDX-License-Identifier: Apache-2.0
/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), ported from
 * k8s.io/apimachinery/pkg/util/strategicpatch. It is a JSON merge patch in which the
 * patchStrategy/patchMergeKey metadata of each field (see patch-meta.ts) decides how lists
 * combine: merge lists match elements by their merge key, primitive merge lists act as sets,
 * other lists are replaced. Directives: `$patch: replace|delete|merge`, `$retainKeys`,
 * `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`.
 */
import { badRequest, newStatusError, type StatusError } from '../errors';
import {
  applyMergePatch,
  cloneJson,
  createMergePatch,
  hasKey,
  isJsonMap,
  jsonEqual,
  jsonKind,
  putKey,
  type JsonMap,
} from './merge-patch';
import { patchSchemaFor, type FieldPatchMeta, type PatchSchema } from './patch-meta';

const DIRECTIVE_MARKER = '$patch';
const DELETE_DIRECTIVE = 'delete';
const REPLACE_DIRECTIVE = 'replace';
const MERGE_DIRECTIVE = 'merge';
const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

type List = unknown[];
type ElementKind = ReturnType<typeof jsonKind>;

/** How a diff is computed (strategicpatch.DiffOptions). @internal */
export interface DiffOptions {
  /** Emit the $setElementOrder parallel lists. */
  setElementOrder?: boolean;
  /** Leave changes and additions out of the patch (the deletions half of a three-way patch). */
  ignoreChangesAndAdditions?: boolean;
  /** Leave deletions out of the patch (the changes half of a three-way patch). */
  ignoreDeletions?: boolean;
  /** Emit a $retainKeys directive for this map (set per field from its strategy). */
  buildRetainKeysDirective?: boolean;
}

/** How patches are merged (strategicpatch.MergeOptions). */
interface MergeOptions {
  /** True when applying to an object (server side); false when combining two patches. */
  mergeParallelList: boolean;
  /** Drop nulls that match nothing instead of keeping them (true when applying). */
  ignoreUnmatchedNulls: boolean;
}

const APPLY: MergeOptions = { mergeParallelList: true, ignoreUnmatchedNulls: true };
const COMBINE: MergeOptions = { mergeParallelList: false, ignoreUnmatchedNulls: false };

// ---- errors, worded as k8s.io/apimachinery/pkg/util/mergepatch words them ----------------

/** Go's %v-ish rendering for messages. */
const fmtValue = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? 'nil');
const goKind = (v: unknown): string => {
  const k = jsonKind(v);
  return k === 'list' ? 'slice' : k === 'number' ? 'float64' : k === 'null' ? 'nil' : k;
};
const errBadArgType = (expected: 'map' | 'slice', actual: unknown): StatusError =>
  badRequest(`expected a ${expected}, but received a ${goKind(actual)}`);
const errNoMergeKey = (m: unknown, key: string): StatusError =>
  badRequest(`map: ${fmtValue(m)} does not contain declared merge key: ${key}`);
const errBadPatchType = (t: unknown, m: unknown): StatusError =>
  badRequest(`unknown patch type: ${fmtValue(t)} in map: ${fmtValue(m)}`);
const errNoListOfLists = (): StatusError => newStatusError('Invalid', 'lists of lists are not supported');
const errBadPrimitiveList = (): StatusError => badRequest('invalid patch format of primitive list');
const errBadRetainKeys = (): StatusError => badRequest('invalid patch format of retainKeys');
const errBadSetElementOrder = (): StatusError => badRequest('invalid patch format of setElementOrder list');

// ---- schema lookups ----------------------------------------------------------------------

interface FieldInfo {
  schema?: PatchSchema;
  retainKeys: boolean;
  /** '' when the field has no list/map strategy (lists are replaced, maps merged). */
  strategy: '' | 'merge' | 'replace';
  mergeKey: string;
}

function strategyOf(meta: FieldPatchMeta | undefined): Pick<FieldInfo, 'retainKeys' | 'strategy'> {
  switch (meta?.strategy) {
    case 'merge':
      return { retainKeys: false, strategy: 'merge' };
    case 'replace':
      return { retainKeys: false, strategy: 'replace' };
    case 'retainKeys':
      return { retainKeys: true, strategy: '' };
    case 'merge,retainKeys':
      return { retainKeys: true, strategy: 'merge' };
    default:
      return { retainKeys: false, strategy: '' };
  }
}

function lookup(schema: PatchSchema | undefined, key: string): FieldInfo {
  const f = schema?.field(key);
  return { ...strategyOf(f?.meta), mergeKey: f?.meta?.mergeKey ?? '', ...(f?.schema ? { schema: f.schema } : {}) };
}

// ---- small helpers -------------------------------------------------------------------------

/** Go's fmt "%v" for scalars: what k8s sorts and compares merge keys by. */
function scalarString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sortScalars(s: List): List {
  return [...s].sort((a, b) => byString(scalarString(a), scalarString(b)));
}

/** k8s' in-place de-duplication (order matters only for duplicates, kept for fidelity). */
function deduplicateScalars(input: List): List {
  const s = [...input];
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

/** The JSON kind shared by the elements of the given lists; throws when they differ. */
function sliceElementKind(...lists: List[]): ElementKind | undefined {
  let prev: ElementKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = jsonKind(v);
      if (prev === undefined) {
        prev = k;
        if (k === 'list') throw errNoListOfLists();
      } else if (prev !== k) {
        throw badRequest(`list element types are not identical: ${JSON.stringify(lists)}`);
      }
    }
  }
  return prev;
}

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX) throw errBadPrimitiveList();
    if (prefix === SET_ELEMENT_ORDER_PREFIX) throw errBadSetElementOrder();
    throw badRequest(`fail to find unknown prefix ${JSON.stringify(prefix)} in ${s}`);
  }
  return s.slice(slash + 1);
}

function mergeKeyOf(item: unknown, mergeKey: string): unknown {
  return isJsonMap(item) ? item[mergeKey] : undefined;
}

/** Index of the item in `list` (by merge key for maps, by value otherwise), or -1. */
function indexIn(list: List, item: unknown, mergeKey: string, kind: ElementKind | undefined): number {
  if (kind === 'map') {
    const want = mergeKeyOf(item, mergeKey);
    return list.findIndex((v) => mergeKeyOf(v, mergeKey) === want);
  }
  return list.indexOf(item);
}

function findMapByKey(list: List, key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isJsonMap(v)) throw badRequest(`value for key ${i} is not a map`);
    if (hasKey(v, key) && v[key] === value) return i;
  }
  return -1;
}

function validateMergeKeyInLists(mergeKey: string, ...lists: List[]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isJsonMap(item)) throw errBadArgType('map', item);
      if (!hasKey(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

function extractToDeleteItems(list: List): [List, List] {
  const keep: List = [];
  const del: List = [];
  for (const v of list) {
    if (!isJsonMap(v)) throw errBadArgType('map', v);
    if (hasKey(v, DIRECTIVE_MARKER) && v[DIRECTIVE_MARKER] === DELETE_DIRECTIVE) del.push(v);
    else keep.push(v);
  }
  return [keep, del];
}

/** Sorts `toSort` by the position of each item in `order`; delete directives go last. */
function normalizeSliceOrder(toSort: List, order: List, mergeKey: string, kind: ElementKind | undefined): List {
  let items = toSort;
  let toDelete: List = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    [items, toDelete] = extractToDeleteItems(toSort);
  }
  const ranked = items.map((item) => {
    const i = indexIn(order, item, mergeKey, kind);
    return { item, rank: i < 0 ? Number.POSITIVE_INFINITY : i };
  });
  ranked.sort((a, b) => (a.rank === b.rank ? 0 : a.rank < b.rank ? -1 : 1));
  return [...ranked.map((r) => r.item), ...toDelete];
}

/**
 * Interleaves server-only items (left) into patch items (right), keeping each side's relative
 * order and using the live order to place server-only items among patch items.
 */
function mergeSortedSlice(left: List, right: List, serverOrder: List, mergeKey: string, kind: ElementKind | undefined): List {
  const out: List = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const li = indexIn(serverOrder, left[i], mergeKey, kind);
    const ri = indexIn(serverOrder, right[j], mergeKey, kind);
    if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
    else out.push(right[j++]);
  }
  return [...out, ...left.slice(i), ...right.slice(j)];
}

function normalizeElementOrder(
  patch: List,
  serverOnly: List,
  patchOrder: List,
  serverOrder: List,
  mergeKey: string,
  kind: ElementKind | undefined,
): List {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function partitionPrimitives(list: List, by: List): [List, List] {
  const inPatch = new Set(by);
  const patch: List = [];
  const serverOnly: List = [];
  for (const v of list) (inPatch.has(v) ? patch : serverOnly).push(v);
  return [patch, serverOnly];
}

function partitionMaps(list: List, by: List, mergeKey: string): [List, List] {
  const patch: List = [];
  const serverOnly: List = [];
  for (const v of list) {
    if (!isJsonMap(v)) throw errBadArgType('map', v);
    if (!hasKey(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findMapByKey(by, mergeKey, v[mergeKey]) >= 0 ? patch : serverOnly).push(v);
  }
  return [patch, serverOnly];
}

function partition(list: List, by: List, mergeKey: string): [List, List] {
  return mergeKey === '' ? partitionPrimitives(list, by) : partitionMaps(list, by, mergeKey);
}

/** Drops maps carrying `$patch` (k8s' removeDirectives); `keep` is false when `v` itself is one. */
function removeDirectives(v: unknown): [unknown, boolean] {
  if (isJsonMap(v)) {
    if (hasKey(v, DIRECTIVE_MARKER)) return [undefined, false];
    for (const k of Object.keys(v)) {
      const [nv, keep] = removeDirectives(v[k]);
      if (keep) putKey(v, k, nv);
      else delete v[k];
    }
    return [v, true];
  }
  if (Array.isArray(v)) {
    const out: List = [];
    for (const e of v) {
      const [ne, keep] = removeDirectives(e);
      if (keep) out.push(ne);
    }
    return [out, true];
  }
  return [v, true];
}

/**
 * A patch value that lands where the object has nothing (or a value of another type). When
 * combining patches it is kept as k8s keeps it; when applying, it is merged into an empty
 * value so nulls and directives do not end up stored (k8s gets the same effect by decoding
 * the result into typed structs).
 */
function newValue(v: unknown, schema: PatchSchema | undefined, opts: MergeOptions): [unknown, boolean] {
  if (!opts.mergeParallelList) return removeDirectives(v);
  if (isJsonMap(v)) {
    if (hasKey(v, DIRECTIVE_MARKER)) return [undefined, false];
    return [mergeMap({}, v, schema, opts), true];
  }
  if (Array.isArray(v)) {
    const out: List = [];
    for (const e of v) {
      const [ne, keep] = newValue(e, schema, opts);
      if (keep) out.push(ne);
    }
    return [out, true];
  }
  return [v, true];
}

// ---- applying ------------------------------------------------------------------------------

function handleDirectiveInMergeMap(directive: unknown, patch: JsonMap, schema: PatchSchema | undefined, opts: MergeOptions): JsonMap {
  if (directive === REPLACE_DIRECTIVE) {
    // "$patch: replace" on a map: the patch (minus the marker) is the new value.
    delete patch[DIRECTIVE_MARKER];
    return opts.mergeParallelList ? mergeMap({}, patch, schema, opts) : patch;
  }
  if (directive === DELETE_DIRECTIVE) return {};
  throw errBadPatchType(directive, patch);
}

/** Clears the keys of `original` that a `$retainKeys` directive in `patch` does not list. */
function applyRetainKeysDirective(original: JsonMap, patch: JsonMap, opts: MergeOptions): void {
  if (!hasKey(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retain = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!opts.mergeParallelList) {
    // Combining two patches: both must agree on the directive; carry it over.
    if (hasKey(original, RETAIN_KEYS_DIRECTIVE)) {
      if (!jsonEqual(original[RETAIN_KEYS_DIRECTIVE], retain)) {
        throw badRequest(`${JSON.stringify(original[RETAIN_KEYS_DIRECTIVE])} and ${JSON.stringify(retain)} are not deep equal: this may happen when calculating the 3-way diff patch`);
      }
    } else {
      original[RETAIN_KEYS_DIRECTIVE] = retain;
    }
    return;
  }
  if (!Array.isArray(retain)) throw errBadRetainKeys();
  const keep = new Set(retain);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    // Every field the patch sets must be one it retains.
    if (!keep.has(k)) throw errBadRetainKeys();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** Checks that the patch list's items appear in the $setElementOrder list, in the same order. */
function validatePatchWithSetOrderList(patchList: List, setOrderList: List, mergeKey: string): void {
  if (setOrderList.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? extractToDeleteItems(patchList)[0] : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < setOrderList.length) {
    const item = nonDelete[p];
    if (isJsonMap(item) && hasKey(item, DIRECTIVE_MARKER)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(item, setOrderList[s], mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= setOrderList.length) {
    throw badRequest(`the order in patch list:\n${JSON.stringify(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${JSON.stringify(setOrderList)}`);
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isJsonMap(left)) throw errBadArgType('map', left);
  if (!isJsonMap(right)) throw errBadArgType('map', right);
  if (!hasKey(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!hasKey(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

/**
 * Handles every `$setElementOrder/<list>` of `patch` together with the list it orders:
 * the merged list follows $setElementOrder, then the patch's order, then the live order.
 */
function mergePatchIntoOriginal(original: JsonMap, patch: JsonMap, schema: PatchSchema | undefined, opts: MergeOptions): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const setOrder = patch[key];
    if (!opts.mergeParallelList) {
      if (hasKey(original, key)) {
        if (!jsonEqual(original[key], setOrder)) throw errBadSetElementOrder();
      } else {
        original[key] = setOrder;
      }
    }
    delete patch[key];
    if (!Array.isArray(setOrder)) throw errBadArgType('slice', setOrder);
    const listKey = extractKey(key, SET_ELEMENT_ORDER_PREFIX);
    const foundOriginal = hasKey(original, listKey);
    const foundPatch = hasKey(patch, listKey);
    let originalList: List = [];
    let patchList: List = [];
    if (foundOriginal) {
      const v = original[listKey];
      if (!Array.isArray(v)) throw errBadArgType('slice', v);
      originalList = v;
    }
    if (foundPatch) {
      const v = patch[listKey];
      if (!Array.isArray(v)) throw errBadArgType('slice', v);
      patchList = v;
    }
    const field = lookup(schema, listKey);
    validatePatchWithSetOrderList(patchList, setOrder, field.mergeKey);

    let merged: List;
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = newValue(patchList, field.schema, opts)[0] as List;
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList, patchList, field, false, opts);
    else continue;

    const [patchItems, serverOnly] = partition(merged, setOrder, field.mergeKey);
    const kind = sliceElementKind(originalList, patchList);
    const serverOrder =
      foundOriginal && foundPatch && field.strategy === MERGE_DIRECTIVE && kind === 'map'
        ? goAliasedOrder(originalList, patchList, field.mergeKey)
        : originalList;
    original[listKey] = normalizeElementOrder(patchItems, serverOnly, setOrder, serverOrder, field.mergeKey, kind);
    delete patch[listKey];
  }
}

/** The capacity Go's decoder gives a decoded list of n elements (append growth from 0). */
function goDecodedCap(n: number): number {
  if (n === 0 || n > 512) return n;
  let cap = 1;
  while (cap < n) cap *= 2;
  return cap;
}

/**
 * The live order k8s actually uses to place server-only items after a $setElementOrder merge.
 * In Go, mergeSlice deletes from and appends to the live slice in place, and the caller's view
 * of that slice (same backing array, original length) sees those writes: deleted entries shift
 * left and, while capacity lasts, appended patch items land behind them. Replaying the writes
 * makes the resulting order match Kubernetes' (e.g. [2, 4, 3], not [2, 3, 4], when 1 is deleted
 * and 3 added to a live [1, 2, 4]).
 */
function goAliasedOrder(original: List, patch: List, mergeKey: string): List {
  const n = original.length;
  const cap = goDecodedCap(n);
  const backing = [...original];
  let len = n;
  const find = (value: unknown): number =>
    backing.slice(0, len).findIndex((e) => isJsonMap(e) && hasKey(e, mergeKey) && e[mergeKey] === value);
  let replace = false;
  for (const v of patch) {
    if (!isJsonMap(v) || !hasKey(v, DIRECTIVE_MARKER)) continue;
    if (v[DIRECTIVE_MARKER] === DELETE_DIRECTIVE) {
      for (let i = find(v[mergeKey]); i >= 0; i = find(v[mergeKey])) {
        backing.copyWithin(i, i + 1, len);
        len--;
      }
    } else if (v[DIRECTIVE_MARKER] === REPLACE_DIRECTIVE) {
      replace = true;
    }
  }
  if (!replace) {
    for (const v of patch) {
      if (!isJsonMap(v) || hasKey(v, DIRECTIVE_MARKER) || find(v[mergeKey]) >= 0) continue;
      // Past capacity Go moves to a new array: later appends no longer show through.
      if (len >= cap) break;
      backing[len++] = v;
    }
  }
  return backing.slice(0, n);
}

/** Merges `patch` into `original` (both already private copies; both are modified). */
function mergeMap(original: JsonMap, patch: JsonMap, schema: PatchSchema | undefined, opts: MergeOptions): JsonMap {
  if (hasKey(patch, DIRECTIVE_MARKER)) return handleDirectiveInMergeMap(patch[DIRECTIVE_MARKER], patch, schema, opts);

  applyRetainKeysDirective(original, patch, opts);
  mergePatchIntoOriginal(original, patch, schema, opts);

  for (const rawKey of Object.keys(patch)) {
    const patchV = patch[rawKey];
    if (patchV === undefined) continue;
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
      if (!opts.mergeParallelList) {
        // Combining patches: the deletion list travels as it is.
        original[rawKey] = patchV;
        continue;
      }
      k = extractKey(rawKey, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
      isDeleteList = true;
    }

    if (patchV === null) {
      delete original[k];
      if (opts.ignoreUnmatchedNulls) continue;
    }

    const field = lookup(schema, k);
    if (!hasKey(original, k) || jsonKind(original[k]) !== jsonKind(patchV)) {
      if (!isDeleteList) {
        const [v, keep] = newValue(patchV, field.schema, opts);
        if (keep) putKey(original, k, v);
        else delete original[k];
      }
      continue;
    }

    const ov = original[k];
    if (isJsonMap(ov) && isJsonMap(patchV)) {
      if (field.strategy !== REPLACE_DIRECTIVE) putKey(original, k, mergeMap(ov, patchV, field.schema, opts));
      else {
        const [v, keep] = opts.mergeParallelList ? newValue(patchV, field.schema, opts) : [patchV, true];
        if (keep) putKey(original, k, v);
        else delete original[k];
      }
    } else if (Array.isArray(ov) && Array.isArray(patchV)) {
      putKey(original, k, mergeSliceHandler(ov, patchV, field, isDeleteList, opts));
    } else {
      const [v, keep] = removeDirectives(patchV);
      if (keep) putKey(original, k, v);
      else delete original[k];
    }
  }
  return original;
}

function mergeSliceHandler(original: List, patch: List, field: FieldInfo, isDeleteList: boolean, opts: MergeOptions): List {
  // Delete lists are handled the same way whatever the field's strategy.
  if (field.strategy === MERGE_DIRECTIVE || isDeleteList) return mergeSlice(original, patch, field, isDeleteList, opts);
  return opts.mergeParallelList ? (newValue(patch, field.schema, opts)[0] as List) : patch;
}

function mergeSlice(original: List, patch: List, field: FieldInfo, isDeleteList: boolean, opts: MergeOptions): List {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  const { mergeKey } = field;
  let orig = original;
  let pat = patch;
  let merged: List;
  if (kind !== 'map') {
    if (opts.mergeParallelList && isDeleteList) {
      const del = new Set(patch);
      return original.filter((v) => !del.has(v));
    }
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (mergeKey === '') throw badRequest(`cannot merge lists without merge key for ${field.schema?.name ?? 'list'}`);
    [orig, pat] = mergeSliceWithSpecialElements(original, patch, mergeKey);
    merged = mergeSliceWithoutSpecialElements(orig, pat, field, opts);
  }
  const [patchItems, serverOnly] = partition(merged, pat, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, pat, orig, mergeKey, kind);
}

/** Applies `$patch: delete|replace` list items; returns the new original and the rest of the patch. */
function mergeSliceWithSpecialElements(original: List, patch: List, mergeKey: string): [List, List] {
  const rest: List = [];
  let orig = original;
  let replace = false;
  for (const v of patch) {
    if (!isJsonMap(v)) throw errBadArgType('map', v);
    if (!hasKey(v, DIRECTIVE_MARKER)) {
      rest.push(v);
      continue;
    }
    const directive = v[DIRECTIVE_MARKER];
    if (directive === DELETE_DIRECTIVE) {
      if (!hasKey(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      const value = v[mergeKey];
      // Delete every entry with that key (duplicates included).
      for (let i = findMapByKey(orig, mergeKey, value); i >= 0; i = findMapByKey(orig, mergeKey, value)) {
        orig = [...orig.slice(0, i), ...orig.slice(i + 1)];
      }
    } else if (directive === REPLACE_DIRECTIVE) {
      // Keep scanning to drop any other directive items.
      replace = true;
    } else if (directive === MERGE_DIRECTIVE) {
      throw badRequest('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, v);
    }
  }
  return replace ? [rest, []] : [orig, rest];
}

function mergeSliceWithoutSpecialElements(original: List, patch: List, field: FieldInfo, opts: MergeOptions): List {
  const out = [...original];
  for (const v of patch) {
    if (!isJsonMap(v)) throw errBadArgType('map', v);
    if (!hasKey(v, field.mergeKey)) throw errNoMergeKey(v, field.mergeKey);
    const i = findMapByKey(out, field.mergeKey, v[field.mergeKey]);
    if (i >= 0) out[i] = mergeMap(out[i] as JsonMap, v, field.schema, opts);
    else out.push(opts.mergeParallelList ? newValue(v, field.schema, opts)[0] : v);
  }
  return out;
}

// ---- diffing -------------------------------------------------------------------------------

/**
 * The strategic patch from `original` to `modified` under `options` (strategicpatch.diffMaps).
 * Both inputs are read only. @internal
 */
export function diffStrategic(original: JsonMap, modified: JsonMap, schema: PatchSchema | undefined, options: DiffOptions): JsonMap {
  const patch: JsonMap = {};
  const retainKeysList: string[] = [];

  for (const [key, mv] of Object.entries(modified)) {
    if (mv === undefined) continue;
    if (options.buildRetainKeysDirective && mv !== null) retainKeysList.push(key);

    if (!hasKey(original, key)) {
      if (!options.ignoreChangesAndAdditions) putKey(patch, key, cloneJson(mv));
      continue;
    }
    const ov = original[key];
    if (key === DIRECTIVE_MARKER) {
      if (typeof ov !== 'string' || typeof mv !== 'string') throw badRequest(`invalid value for special key: ${DIRECTIVE_MARKER}`);
      if (ov !== mv) patch[DIRECTIVE_MARKER] = mv;
      continue;
    }
    if (jsonKind(ov) !== jsonKind(mv)) {
      if (!options.ignoreChangesAndAdditions) putKey(patch, key, cloneJson(mv));
      continue;
    }
    if (isJsonMap(ov) && isJsonMap(mv)) {
      handleMapDiff(key, ov, mv, patch, schema, options);
    } else if (Array.isArray(ov) && Array.isArray(mv)) {
      handleSliceDiff(key, ov, mv, patch, schema, options);
    } else if (!options.ignoreChangesAndAdditions && !jsonEqual(ov, mv)) {
      putKey(patch, key, cloneJson(mv));
    }
  }

  if (!options.ignoreDeletions) {
    for (const key of Object.keys(original)) if (original[key] !== undefined && !hasKey(modified, key)) putKey(patch, key, null);
  }

  // $retainKeys goes in when the patch says something or original has fields to clear.
  if (retainKeysList.length > 0 && (Object.keys(patch).length > 0 || hasAdditionalNewField(original, modified))) {
    patch[RETAIN_KEYS_DIRECTIVE] = sortScalars(retainKeysList);
  }
  return patch;
}

function hasAdditionalNewField(original: JsonMap, modified: JsonMap): boolean {
  return Object.entries(original).some(([k, v]) => v !== null && v !== undefined && !hasKey(modified, k));
}

function handleMapDiff(key: string, ov: JsonMap, mv: JsonMap, patch: JsonMap, schema: PatchSchema | undefined, options: DiffOptions): void {
  const field = lookup(schema, key);
  if (field.strategy === REPLACE_DIRECTIVE) {
    if (!options.ignoreChangesAndAdditions) putKey(patch, key, cloneJson(mv));
    return;
  }
  const sub = diffStrategic(ov, mv, field.schema, { ...options, buildRetainKeysDirective: field.retainKeys });
  if (Object.keys(sub).length > 0) putKey(patch, key, sub);
}

function handleSliceDiff(key: string, ov: List, mv: List, patch: JsonMap, schema: PatchSchema | undefined, options: DiffOptions): void {
  const field = lookup(schema, key);
  if (field.strategy !== MERGE_DIRECTIVE) {
    if (!options.ignoreChangesAndAdditions && !jsonEqual(ov, mv)) putKey(patch, key, cloneJson(mv));
    return;
  }
  const [add, del, order] = diffLists(ov, mv, field, { ...options, buildRetainKeysDirective: field.retainKeys });
  if (add.length > 0) putKey(patch, key, add);
  if (del.length > 0) patch[`${DELETE_FROM_PRIMITIVE_LIST_PREFIX}/${key}`] = del;
  if (order.length > 0) patch[`${SET_ELEMENT_ORDER_PREFIX}/${key}`] = order;
}

/** [patch list, primitive deletion list, $setElementOrder list] for a merge list. */
function diffLists(original: List, modified: List, field: FieldInfo, options: DiffOptions): [List, List, List] {
  if (original.length === 0) {
    if (modified.length === 0 || options.ignoreChangesAndAdditions) return [[], [], []];
    return [cloneJson(modified), [], []];
  }
  const kind = sliceElementKind(original, modified);
  const { mergeKey } = field;
  if (kind === 'map') {
    const [changes, deletions] = diffListsOfMaps(original, modified, field, options);
    const patchList = [...normalizeSliceOrder(changes, modified, mergeKey, kind), ...deletions];
    const orderSame = isOrderSame(original, modified, mergeKey);
    let setOrder: List = [];
    if (
      options.setElementOrder &&
      ((!options.ignoreChangesAndAdditions && (patchList.length > 0 || !orderSame)) ||
        (!options.ignoreDeletions && patchList.length > 0))
    ) {
      setOrder = modified.map((v) => ({ [mergeKey]: (v as JsonMap)[mergeKey] }));
    }
    return [patchList, [], setOrder];
  }
  const [adds, deletions] = diffListsOfScalars(original, modified, options);
  const patchList = normalizeSliceOrder(adds, modified, mergeKey, kind);
  let setOrder: List = [];
  if (
    options.setElementOrder &&
    ((!options.ignoreDeletions && deletions.length > 0) || (!options.ignoreChangesAndAdditions && !jsonEqual(original, modified)))
  ) {
    setOrder = cloneJson(modified);
  }
  return [patchList, deletions, setOrder];
}

function isOrderSame(original: List, modified: List, mergeKey: string): boolean {
  if (original.length !== modified.length) return false;
  return modified.every((m, i) => mergeKeyValueEqual(original[i], m, mergeKey));
}

function diffListsOfScalars(original: List, modified: List, options: DiffOptions): [List, List] {
  const o = sortScalars(original);
  const m = sortScalars(modified);
  const adds: List = [];
  const deletions: List = [];
  let oi = 0;
  let mi = 0;
  while (oi < o.length || mi < m.length) {
    const oIn = oi < o.length;
    const mIn = mi < m.length;
    const os = oIn ? scalarString(o[oi]) : '';
    const ms = mIn ? scalarString(m[mi]) : '';
    if (oIn && mIn && os === ms) {
      oi++;
      mi++;
    } else if (!oIn || (mIn && os > ms)) {
      if (!options.ignoreChangesAndAdditions) adds.push(m[mi]);
      mi++;
    } else {
      if (!options.ignoreDeletions) deletions.push(o[oi]);
      oi++;
    }
  }
  return [adds, deduplicateScalars(deletions)];
}

function sortMapsByMergeKey(list: List, mergeKey: string): JsonMap[] {
  return list
    .map((v) => {
      if (!isJsonMap(v)) throw errBadArgType('map', v);
      if (!hasKey(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      return v;
    })
    .sort((a, b) => byString(scalarString(a[mergeKey]), scalarString(b[mergeKey])));
}

/** [changes and additions, `$patch: delete` items] between two merge lists of maps. */
function diffListsOfMaps(original: List, modified: List, field: FieldInfo, options: DiffOptions): [List, List] {
  const { mergeKey } = field;
  const o = sortMapsByMergeKey(original, mergeKey);
  const m = sortMapsByMergeKey(modified, mergeKey);
  const patch: List = [];
  const deletions: List = [];
  let oi = 0;
  let mi = 0;
  while (oi < o.length || mi < m.length) {
    const oe = o[oi];
    const me = m[mi];
    const os = oe ? scalarString(oe[mergeKey]) : '';
    const ms = me ? scalarString(me[mergeKey]) : '';
    if (oe && me && os === ms) {
      const sub = diffStrategic(oe, me, field.schema, options);
      if (Object.keys(sub).length > 0) {
        sub[mergeKey] = me[mergeKey];
        patch.push(sub);
      }
      oi++;
      mi++;
    } else if (me && (!oe || os > ms)) {
      if (!options.ignoreChangesAndAdditions) patch.push(cloneJson(me));
      mi++;
    } else if (oe) {
      if (!options.ignoreDeletions) deletions.push({ [mergeKey]: oe[mergeKey], [DIRECTIVE_MARKER]: DELETE_DIRECTIVE });
      oi++;
    }
  }
  return [patch, deletions];
}

// ---- public API ----------------------------------------------------------------------------

function asDocument(v: unknown, which: string): JsonMap {
  if (v === null || v === undefined) return {};
  if (!isJsonMap(v)) throw badRequest(`invalid JSON document: the ${which} is not an object`);
  return v;
}

/**
 * Applies a strategic merge patch using `schema`'s patch metadata; `doc` is not modified.
 * @internal tests and callers with their own schema; others use applyStrategicMergePatch.
 */
export function applyStrategicMergePatchWithSchema<T>(doc: T, patch: unknown, schema: PatchSchema | undefined): T {
  const original = cloneJson(asDocument(doc, 'document'));
  if (!isJsonMap(patch)) throw badRequest('invalid JSON document: a strategic merge patch must be an object');
  return mergeMap(original, cloneJson(patch), schema, APPLY) as T;
}

/**
 * Applies a strategic merge patch to an object of `kind`; `doc` is not modified. Honours
 * `$patch`, `$setElementOrder/…`, `$retainKeys` and `$deleteFromPrimitiveList/…`; lists without
 * merge metadata are replaced. A kind without patch metadata gets a JSON merge patch.
 * Throws a StatusError (BadRequest, or Invalid for lists of lists) when the patch is malformed.
 */
export function applyStrategicMergePatch<T>(doc: T, patch: unknown, kind: string): T {
  const schema = patchSchemaFor(kind);
  if (!schema) return applyMergePatch(doc, patch);
  return applyStrategicMergePatchWithSchema(doc, patch, schema);
}

/** Two-way strategic patch over `schema` (with $setElementOrder, as kubectl sends). @internal */
export function createStrategicMergePatchWithSchema(original: unknown, modified: unknown, schema: PatchSchema | undefined): Record<string, unknown> {
  return diffStrategic(asDocument(original, 'original'), asDocument(modified, 'modified'), schema, { setElementOrder: true });
}

/**
 * The two-way strategic merge patch that turns `original` into `modified` for an object of
 * `kind`, with $setElementOrder lists as Kubernetes generates them. A kind without patch
 * metadata gets a JSON merge patch.
 */
export function createStrategicMergePatch(original: unknown, modified: unknown, kind: string): Record<string, unknown> {
  const schema = patchSchemaFor(kind);
  if (!schema) return createMergePatch(original, modified);
  return createStrategicMergePatchWithSchema(original, modified, schema);
}

/**
 * Merges two strategic patches into one (the deletions and the changes of a three-way patch):
 * directives are carried over, nulls are kept. Inputs are not modified. @internal
 */
export function combineStrategicPatches(first: JsonMap, second: JsonMap, schema: PatchSchema | undefined): JsonMap {
  return mergeMap(cloneJson(first), cloneJson(second), schema, COMBINE);
}
