// SPDX-License-Identifier: Apache-2.0
/**
 * Namespace validation (Kubernetes' ValidateNamespace): the name is a DNS label (checked with
 * the metadata) and finalizers are qualified names.
 */
import type { FieldError } from '../errors';
import { isQualifiedName } from './names';
import { arr, check, idx, obj, str, type Json } from './field';

/** ValidateNamespace's spec rules. */
export function validateNamespace(ns: Json): FieldError[] {
  const errs: FieldError[] = [];
  arr(obj(ns['spec'])['finalizers']).forEach((f, i) => {
    const v = str(f);
    const msgs = isQualifiedName(v);
    // "kubernetes" is the standard finalizer; anything else must be a qualified name with a domain.
    if (v !== 'kubernetes' && msgs.length === 0 && !v.includes('/')) {
      msgs.push('name is neither a standard finalizer name nor is it fully qualified');
    }
    errs.push(...check(msgs, idx('spec.finalizers', i), v));
  });
  return errs;
}
