// SPDX-License-Identifier: Apache-2.0
import { isDeepStrictEqual } from 'node:util';
import { applyDefaults, validateObject, validateObjectUpdate, type FieldError, type KubeObject, type ResourceInfo } from '@berth/api';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

/**
 * A Strategy holds what differs between kinds in the generic store, as Kubernetes'
 * RESTCreateStrategy/RESTUpdateStrategy/RESTDeleteStrategy do: server-owned fields on
 * create and update, validation, and how deletion proceeds.
 */
export interface Strategy {
  readonly info: ResourceInfo;
  /** Whether the kind has a status subresource (a normal update keeps the stored status). */
  readonly hasStatus: boolean;
  /** Fills defaults and resets fields clients may not set on create (status...). */
  prepareForCreate(obj: KubeObject): void;
  /** On a normal update: keeps status; bumps generation when the spec changed. */
  prepareForUpdate(next: KubeObject, prev: KubeObject): void;
  /** On a status update: keeps everything but status. */
  prepareForStatusUpdate(next: KubeObject, prev: KubeObject): void;
  validate(obj: KubeObject): FieldError[];
  validateUpdate(next: KubeObject, prev: KubeObject): FieldError[];
  /** Seconds the object may terminate gracefully (0 = delete now), given the requested grace. */
  gracePeriodSeconds(obj: KubeObject, requested: number | undefined): number;
  readonly defaultPropagation: PropagationPolicy;
}

/** Everything but metadata and status: what `generation` tracks. */
export function specOf(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/** The strategy every kind gets unless it needs more (see kind-strategies.ts). */
export class GenericStrategy implements Strategy {
  readonly hasStatus: boolean;
  readonly defaultPropagation: PropagationPolicy = 'Background';

  constructor(readonly info: ResourceInfo) {
    this.hasStatus = info.subresources.includes('status');
  }

  prepareForCreate(obj: KubeObject): void {
    applyDefaults(this.info.kind, obj);
    if (this.hasStatus) {
      delete obj['status'];
      // In place: callers hold on to obj.metadata.
      (obj.metadata ??= {}).generation = 1;
    }
  }

  prepareForUpdate(next: KubeObject, prev: KubeObject): void {
    applyDefaults(this.info.kind, next);
    if (this.hasStatus) {
      if (prev['status'] === undefined) delete next['status'];
      else next['status'] = prev['status'];
    }
    const generation = prev.metadata?.generation;
    if (generation !== undefined) {
      const changed = !isDeepStrictEqual(specOf(next), specOf(prev));
      next.metadata = { ...next.metadata, generation: changed ? generation + 1 : generation };
    }
  }

  prepareForStatusUpdate(next: KubeObject, prev: KubeObject): void {
    const status = next['status'];
    for (const k of Object.keys(next)) if (k !== 'metadata') delete next[k];
    Object.assign(next, specOf(prev), { apiVersion: prev.apiVersion, kind: prev.kind });
    if (status !== undefined) next['status'] = status;
    // Status writers may not change labels, annotations or anything else in metadata
    // except what the storage layer itself manages.
    next.metadata = { ...prev.metadata, resourceVersion: next.metadata?.resourceVersion ?? '' };
  }

  validate(obj: KubeObject): FieldError[] {
    return validateObject(this.info.kind, obj, { namespaced: this.info.namespaced });
  }

  validateUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
    return validateObjectUpdate(this.info.kind, next, prev, { namespaced: this.info.namespaced });
  }

  gracePeriodSeconds(_obj: KubeObject, _requested: number | undefined): number {
    return 0;
  }
}
