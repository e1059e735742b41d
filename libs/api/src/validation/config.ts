// SPDX-License-Identifier: Apache-2.0
/**
 * ConfigMap and Secret validation (Kubernetes' ValidateConfigMap / ValidateSecret and their
 * updates): keys are config keys, the whole payload fits in 1 MiB, typed Secrets carry
 * the keys their type needs, and `immutable: true` freezes the data.
 */
import type { FieldError } from '../errors';
import { isConfigMapKey } from './names';
import { check, forbidden, immutable, invalid, key, obj, required, str, tooLong, type Json } from './field';

/** core.MaxSecretSize: the limit on the data of a Secret or ConfigMap. */
export const MAX_SECRET_SIZE = 1 * 1024 * 1024;

/** The byte length of a base64 value, or the index of its first illegal byte (Go's StdEncoding). */
export function base64Length(s: string): { bytes: number } | { illegalAt: number } {
  const firstPad = s.indexOf('=');
  const body = firstPad < 0 ? s : s.slice(0, firstPad);
  for (let i = 0; i < body.length; i++) {
    if (!/[A-Za-z0-9+/]/.test(body[i] as string)) return { illegalAt: i };
  }
  if (firstPad >= 0 && (!/^={1,2}$/.test(s.slice(firstPad)) || s.length % 4 !== 0)) return { illegalAt: firstPad };
  if (s.length % 4 !== 0) return { illegalAt: s.length - (s.length % 4) };
  const pad = s.length - body.length;
  return { bytes: (s.length / 4) * 3 - pad };
}

function validateBase64Values(data: Json, path: string): { size: number; errs: FieldError[] } {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    const r = base64Length(str(v));
    if ('illegalAt' in r) errs.push(invalid(key(path, k), '<secret contents redacted>', `illegal base64 data at input byte ${r.illegalAt}`));
    else size += r.bytes;
  }
  return { size, errs };
}

/** ValidateConfigMap. */
export function validateConfigMap(cm: Json): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(cm['data']);
  const binary = obj(cm['binaryData']);
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...check(isConfigMapKey(k), key('data', k), k));
    if (k in binary) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(str(v));
  }
  for (const k of Object.keys(binary)) errs.push(...check(isConfigMapKey(k), key('binaryData', k), k));
  const bin = validateBase64Values(binary, 'binaryData');
  errs.push(...bin.errs);
  size += bin.size;
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('', MAX_SECRET_SIZE));
  return errs;
}

/** ValidateSecret. */
export function validateSecret(secret: Json): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(secret['data']);
  for (const k of Object.keys(data)) errs.push(...check(isConfigMapKey(k), key('data', k), k));
  const { size, errs: b64 } = validateBase64Values(data, 'data');
  errs.push(...b64);
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));

  const has = (k: string): boolean => k in data;
  switch (str(secret['type'])) {
    case 'kubernetes.io/service-account-token':
      if (!str(obj(obj(secret['metadata'])['annotations'])['kubernetes.io/service-account.name'])) {
        errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
      if (!has('.dockercfg')) errs.push(required('data[.dockercfg]'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      if (!has('.dockerconfigjson')) errs.push(required('data[.dockerconfigjson]'));
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) errs.push(required('data[username]'), required('data[password]'));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!str(data['ssh-privatekey'])) errs.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required('data[tls.crt]'));
      if (!has('tls.key')) errs.push(required('data[tls.key]'));
      break;
    default:
      break;
  }
  return errs;
}

/** ValidateSecretUpdate / ValidateConfigMapUpdate: type and immutable data stay as they are. */
export function validateConfigUpdate(kind: 'Secret' | 'ConfigMap', next: Json, prev: Json): FieldError[] {
  const errs = kind === 'Secret' ? validateSecret(next) : validateConfigMap(next);
  if (kind === 'Secret') errs.push(...immutable(next['type'], prev['type'], 'type'));
  if (prev['immutable'] === true) {
    if (next['immutable'] !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
    const fields = kind === 'Secret' ? ['data'] : ['data', 'binaryData'];
    for (const f of fields) {
      if (JSON.stringify(obj(next[f])) !== JSON.stringify(obj(prev[f]))) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
    }
  }
  return errs;
}
