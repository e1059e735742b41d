// SPDX-License-Identifier: Apache-2.0
/**
 * Lease validation (Kubernetes' pkg/apis/coordination/validation).
 */
import type { FieldError } from '../errors';
import { invalid, nonNegative, num, obj, type Json } from './field';

/** ValidateLeaseSpec. */
export function validateLease(lease: Json): FieldError[] {
  const spec = obj(lease['spec']);
  const errs: FieldError[] = [];
  const d = num(spec['leaseDurationSeconds']);
  if (d !== undefined && d <= 0) errs.push(invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  errs.push(...nonNegative(spec['leaseTransitions'], 'spec.leaseTransitions'));
  return errs;
}
