// SPDX-License-Identifier: Apache-2.0
/**
 * The three-way merge patch `apply` sends (kubectl apply's CreateThreeWayMergePatch):
 * deletions come from the last-applied configuration (original → modified), changes and
 * additions from the live object (current → modified). Fields the server or other clients set
 * and that were never in the manifest are left alone, because they are in neither diff.
 */
import { badRequest } from '../errors';
import { applyMergePatch, createMergePatch, isJsonMap, type JsonMap } from './merge-patch';
import { patchSchemaFor, type PatchSchema } from './patch-meta';
import { combineStrategicPatches, diffStrategic } from './strategic-merge-patch';

function asDocument(v: unknown, which: string): JsonMap {
  if (v === null || v === undefined) return {};
  if (!isJsonMap(v)) throw badRequest(`invalid JSON document: the ${which} configuration is not an object`);
  return v;
}

/**
 * Keeps only the nulls of a merge patch (keepNull) or only its non-null values, as
 * jsonmergepatch.keepOrDeleteNullInObj. An explicitly empty map is a value, not an empty patch.
 */
function keepOrDeleteNull(m: JsonMap, keepNull: boolean): JsonMap {
  const out: JsonMap = {};
  for (const [key, val] of Object.entries(m)) {
    if (val === undefined) continue;
    if (val === null) {
      if (keepNull) out[key] = null;
      continue;
    }
    if (isJsonMap(val)) {
      if (Object.keys(val).length === 0) {
        if (!keepNull) out[key] = val;
        continue;
      }
      const sub = keepOrDeleteNull(val, keepNull);
      if (Object.keys(sub).length > 0) out[key] = sub;
      continue;
    }
    // Lists and scalars are replaced whole in a JSON merge patch.
    if (!keepNull) out[key] = val;
  }
  return out;
}

/** jsonmergepatch.CreateThreeWayJSONMergePatch: for kinds without patch metadata. */
function threeWayJsonMergePatch(original: JsonMap, modified: JsonMap, current: JsonMap): JsonMap {
  const addAndChange = keepOrDeleteNull(createMergePatch(current, modified), false);
  const deletions = keepOrDeleteNull(createMergePatch(original, modified), true);
  // The two halves touch disjoint leaves (one holds only nulls, the other none), so merging
  // the changes into the deletions cannot drop either.
  return applyMergePatch(deletions, addAndChange);
}

/**
 * The patch `apply` sends to bring the live object (`current`) to the new manifest
 * (`modified`), given the last-applied configuration (`original`, may be undefined):
 * - fields in original but not in modified are deleted (null, `$patch: delete`,
 *   `$deleteFromPrimitiveList`),
 * - fields whose live value differs from modified are set,
 * - fields only the server set (status, resourceVersion, nodeName, replicas changed by
 *   `scale` when the manifest has none) are not in the patch.
 * Strategic (with `$setElementOrder`/`$retainKeys`) when `kind` has patch metadata, else a
 * JSON merge patch. Kubernetes' `--overwrite` behaviour: live changes to fields the manifest
 * sets are overwritten.
 */
export function createThreeWayMergePatch(
  original: unknown,
  modified: unknown,
  current: unknown,
  kind?: string,
): Record<string, unknown> {
  return createThreeWayMergePatchWithSchema(original, modified, current, kind ? patchSchemaFor(kind) : undefined);
}

/** createThreeWayMergePatch over an explicit schema (JSON merge when undefined). @internal */
export function createThreeWayMergePatchWithSchema(
  original: unknown,
  modified: unknown,
  current: unknown,
  schema: PatchSchema | undefined,
): Record<string, unknown> {
  const o = asDocument(original, 'last-applied');
  const m = asDocument(modified, 'new');
  const c = asDocument(current, 'live');
  if (!schema) return threeWayJsonMergePatch(o, m, c);
  // Changes from live to new without deletions, plus deletions from last-applied to new,
  // merged as two patches (directives kept, nulls kept).
  const delta = diffStrategic(c, m, schema, { ignoreDeletions: true, setElementOrder: true });
  const deletions = diffStrategic(o, m, schema, { ignoreChangesAndAdditions: true, setElementOrder: true });
  return combineStrategicPatches(deletions, delta, schema);
}
