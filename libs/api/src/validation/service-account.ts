// SPDX-License-Identifier: Apache-2.0
/**
 * ServiceAccount validation (Kubernetes' ValidateServiceAccount): the secrets and image pull
 * secrets it lists are named.
 */
import type { FieldError } from '../errors';
import { arr, idx, obj, required, str, type Json } from './field';

/** ValidateServiceAccount's non-metadata rules. */
export function validateServiceAccount(sa: Json): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['secrets', 'imagePullSecrets']) {
    arr(sa[f]).forEach((s, i) => {
      if (!str(obj(s)['name'])) errs.push(required(`${idx(f, i)}.name`));
    });
  }
  return errs;
}
