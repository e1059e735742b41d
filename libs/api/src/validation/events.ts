// SPDX-License-Identifier: Apache-2.0
/**
 * core/v1 Event validation (Kubernetes' ValidateEventCreate for the legacy API): an event
 * lives in its object's namespace and names what it is about.
 */
import type { FieldError } from '../errors';
import { invalid, notSupported, obj, required, str, type Json } from './field';

const EVENT_TYPES = ['Normal', 'Warning'];

/** ValidateEventCreate (v1). */
export function validateEvent(ev: Json): FieldError[] {
  const errs: FieldError[] = [];
  const involved = obj(ev['involvedObject']);
  const ns = str(obj(ev['metadata'])['namespace']);
  const ins = str(involved['namespace']);
  if (ins !== '' && ns !== '' && ins !== ns) errs.push(invalid('involvedObject.namespace', ins, 'does not match event.namespace'));
  if (str(involved['kind']) === '' && str(involved['name']) === '') errs.push(required('involvedObject'));
  const type = str(ev['type']);
  if (type !== '' && !EVENT_TYPES.includes(type)) errs.push(notSupported('type', type, EVENT_TYPES));
  return errs;
}
