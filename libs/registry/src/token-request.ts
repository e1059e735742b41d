// SPDX-License-Identifier: Apache-2.0
// The TokenRequest API: POST serviceaccounts/<name>/token (`kubectl create token`).
import { conflict, decodeMessage, invalid, notFound, subresourceSchema, type FieldError, type FieldValidation, type KubeObject, type ResourceInfo } from '@berth/api';

/** Signs bound tokens (the apiserver's --service-account-signing-key-file). */
export interface TokenIssuer {
  /** What a token is for when the request names no audience (--api-audiences). */
  audiences: string[];
  issue(
    claims: { namespace: string; serviceAccount: { name: string; uid: string }; boundObject?: { kind: 'Pod' | 'Secret'; name: string; uid: string } },
    audiences: string[],
    expirationSeconds: number,
  ): Promise<{ token: string; expiresAt: Date }>;
}

/** Looks an object up as the registry has it (undefined when there is none). */
export type ObjectLookup = (resource: 'serviceaccounts' | 'pods' | 'secrets', namespace: string, name: string) => Promise<KubeObject | undefined>;

const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;
const DEFAULT_SECONDS = 3600;

interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: string | number;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
}

/**
 * Issues a token for the service account `name`, as kube-apiserver's token REST does: the
 * account must exist; a bound Pod or Secret must exist in the same namespace (with the uid
 * given, if one is); the expiry is 10 minutes to 2^32 seconds (default one hour). The
 * answer is the TokenRequest with the effective spec and the token in its status.
 */
export async function requestToken(
  issuer: TokenIssuer,
  lookup: ObjectLookup,
  info: ResourceInfo,
  namespace: string,
  name: string,
  body: unknown,
  fieldValidation: FieldValidation,
): Promise<{ object: KubeObject; warnings: string[] }> {
  const schema = subresourceSchema(info, 'token');
  if (!schema) throw new Error('scheme: serviceaccounts/token has no message');
  const { object, warnings } = decodeMessage(schema, body, fieldValidation, 'TokenRequest', 'authentication.k8s.io/v1');
  const spec = (object['spec'] ?? {}) as TokenRequestSpec;
  const target = { resource: 'serviceaccounts', kind: 'TokenRequest.authentication.k8s.io', name };
  const errors: FieldError[] = [];
  const seconds = spec.expirationSeconds === undefined ? DEFAULT_SECONDS : Number(spec.expirationSeconds);
  if (seconds < MIN_SECONDS) errors.push({ type: 'Invalid', field: 'spec.expirationSeconds', value: seconds, detail: 'may not specify a duration less than 10 minutes' });
  if (seconds > MAX_SECONDS) errors.push({ type: 'Invalid', field: 'spec.expirationSeconds', value: seconds, detail: 'may not specify a duration larger than 2^32 seconds' });
  const ref = spec.boundObjectRef;
  if (ref) {
    if (ref.kind !== 'Pod' && ref.kind !== 'Secret') errors.push({ type: 'NotSupported', field: 'spec.boundObjectRef.kind', value: ref.kind ?? '', supported: ['Pod', 'Secret'] });
    if ((ref.apiVersion ?? 'v1') !== 'v1') errors.push({ type: 'Invalid', field: 'spec.boundObjectRef.apiVersion', value: ref.apiVersion ?? '', detail: 'must be "v1"' });
    if (!ref.name) errors.push({ type: 'Required', field: 'spec.boundObjectRef.name' });
  }
  if (errors.length > 0) throw invalid(target, errors);
  const sa = await lookup('serviceaccounts', namespace, name);
  if (!sa) throw notFound({ resource: 'serviceaccounts', name });
  let boundObject: { kind: 'Pod' | 'Secret'; name: string; uid: string } | undefined;
  if (ref?.name && (ref.kind === 'Pod' || ref.kind === 'Secret')) {
    const resource = ref.kind === 'Pod' ? 'pods' : 'secrets';
    const bound = await lookup(resource, namespace, ref.name);
    if (!bound) throw notFound({ resource, name: ref.name });
    const uid = bound.metadata?.uid ?? '';
    if (ref.uid && ref.uid !== uid) {
      throw conflict({ resource, name: ref.name }, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    boundObject = { kind: ref.kind, name: ref.name, uid };
  }
  const audiences = spec.audiences && spec.audiences.length > 0 ? spec.audiences : issuer.audiences;
  const { token, expiresAt } = await issuer.issue({ namespace, serviceAccount: { name, uid: sa.metadata?.uid ?? '' }, ...(boundObject ? { boundObject } : {}) }, audiences, seconds);
  return {
    object: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name, namespace, creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
      spec: { audiences, expirationSeconds: seconds, ...(ref ? { boundObjectRef: { kind: ref.kind, apiVersion: 'v1', name: ref.name, uid: boundObject?.uid ?? '' } } : {}) },
      status: { token, expirationTimestamp: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    },
    warnings,
  };
}
