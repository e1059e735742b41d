// SPDX-License-Identifier: Apache-2.0
import { createPublicKey, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { AUTHENTICATED_GROUP, newStatusError, SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, SERVICE_ACCOUNT_UID_ANNOTATION, type KubeObject, type RequestContext, type StatusError } from '@berth/api';
import { verifyBoundServiceAccountToken, verifyServiceAccountToken } from '@berth/certs';

/** Who a call is from, as the registry sees it. */
export type User = NonNullable<RequestContext['user']>;

/**
 * What the authenticator looks at of a call: @berth/grpc's CallInfo is one. The auth context
 * shows a client certificate only when the TLS layer verified it against the client CA.
 */
export interface AuthenticationRequest {
  metadata: { get(key: string): Array<string | Buffer> };
  getAuthContext(): { sslPeerCertificate?: { raw?: Buffer } | undefined } | null | undefined;
}

/** A Secret by namespace and name, or undefined when there is none (other failures throw). */
export type SecretLookup = (namespace: string, name: string) => Promise<KubeObject | undefined>;

/** A core object by resource, namespace and name, or undefined when there is none. */
export type ObjectLookup = (resource: 'serviceaccounts' | 'pods' | 'secrets', namespace: string, name: string) => Promise<KubeObject | undefined>;

export interface AuthenticatorOptions {
  /** The client CA bundle, PEM (--client-ca-file): client certificates must be issued by one of its CAs. */
  clientCa: string | Buffer;
  /** Verifies service-account tokens (see parseServiceAccountKey); without it bearer tokens are refused. */
  serviceAccountKey?: KeyObject;
  /** Where the Secret a token names is read: deleting it revokes the token. */
  getSecret?: SecretLookup;
  /**
   * Bound tokens (the TokenRequest API's): accepted when issued by `issuer` for one of
   * `audiences`, unexpired, and while their service account and bound object exist.
   */
  boundTokens?: { issuer: string; audiences: string[]; lookup: ObjectLookup };
  /** The clock for certificate validity (tests). */
  now?: () => number;
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** Kubernetes' answer to every failed authentication: no hint of what was wrong. */
export function unauthorized(): StatusError {
  return newStatusError('Unauthorized', 'Unauthorized');
}

/**
 * Authenticates each call as kube-apiserver does with client certificates and legacy
 * service-account tokens:
 * - a client certificate (verified by the TLS layer, and again here: issued and signed by a
 *   CA of the bundle, within its validity, good for client auth) → the user is its CN, the
 *   groups its O values; a certificate that fails → Unauthorized;
 * - else `authorization: Bearer <token>` → the token's signature and claims, then the
 *   Secret it names: it must exist (not being deleted), be a service-account-token Secret
 *   of the same service account (name and uid annotations) and hold exactly this token, so
 *   deleting the Secret revokes the token → system:serviceaccount:<ns>:<name>;
 *   or a bound token (TokenRequest API) of the configured issuer and audiences, unexpired,
 *   whose service account and bound Pod or Secret still exist with the same uids;
 * - neither → Unauthorized.
 * Errors other than "not authenticated" (the Secret could not be read) are thrown as they are.
 */
export function createAuthenticator(opts: AuthenticatorOptions): (req: AuthenticationRequest) => Promise<User> {
  const cas = parseCaBundle(opts.clientCa);
  const now = opts.now ?? Date.now;
  // Every call of a connection presents the same certificate: parse and verify it once.
  const certs = new Map<string, CertificateIdentity | undefined>();
  return async (req) => {
    const raw = req.getAuthContext()?.sslPeerCertificate?.raw;
    if (raw && raw.length > 0) {
      const der = raw.toString('base64');
      let id = certs.get(der);
      if (id === undefined && !certs.has(der)) {
        if (certs.size >= MAX_CACHED_CERTIFICATES) certs.clear();
        certs.set(der, (id = certificateIdentity(raw, cas)));
      }
      const t = now();
      if (!id || t < id.notBefore || t > id.notAfter) throw unauthorized();
      return id.user;
    }
    const token = bearerToken(req.metadata.get('authorization'));
    if (token === undefined || !opts.serviceAccountKey) throw unauthorized();
    const user =
      (opts.getSecret ? await serviceAccountUser(token, opts.serviceAccountKey, opts.getSecret) : undefined) ??
      (opts.boundTokens ? await boundTokenUser(token, opts.serviceAccountKey, opts.boundTokens, now()) : undefined);
    if (!user) throw unauthorized();
    return user;
  };
}

/**
 * The key of --service-account-key-file: a PEM SPKI public key or PKCS#8 private key (its
 * public half is used). Tokens are ES256, so it must be an EC P-256 key.
 */
export function parseServiceAccountKey(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new Error(`not a PEM public key (SPKI) or private key (PKCS#8): ${err instanceof Error ? err.message : String(err)}`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`service-account tokens are ES256: want an EC P-256 key, not ${key.asymmetricKeyType ?? 'unknown'} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
  }
  return key;
}

/** The CA certificates of a PEM bundle (at least one). */
export function parseCaBundle(pem: string | Buffer): X509Certificate[] {
  const blocks = pem.toString().match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const cas = blocks.map((b) => new X509Certificate(b)).filter((c) => c.ca);
  if (cas.length === 0) throw new Error('the client CA file holds no CA certificate');
  return cas;
}

/** The user of a client certificate (DER), or undefined when it is not one of ours or not usable. */
export function certificateUser(raw: Buffer, cas: X509Certificate[], now: number): User | undefined {
  const id = certificateIdentity(raw, cas);
  return id && id.notBefore <= now && now <= id.notAfter ? id.user : undefined;
}

/** Certificates remembered by the authenticator (components and nodes: a few dozen). */
const MAX_CACHED_CERTIFICATES = 1000;

/** Who a client certificate speaks for, and when both it and its issuer are valid. */
interface CertificateIdentity {
  user: User;
  notBefore: number;
  notAfter: number;
}

/** The identity of a client certificate signed by a CA of the bundle, whatever the time; undefined when it has none. */
function certificateIdentity(raw: Buffer, cas: X509Certificate[]): CertificateIdentity | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(raw);
  } catch {
    return undefined;
  }
  if (cert.ca) return undefined;
  const issuer = cas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
  if (!issuer) return undefined;
  const notBefore = Math.max(Date.parse(cert.validFrom), Date.parse(issuer.validFrom));
  const notAfter = Math.min(Date.parse(cert.validTo), Date.parse(issuer.validTo));
  if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter)) return undefined;
  const eku = cert.keyUsage as string[] | undefined;
  if (eku && !eku.includes(CLIENT_AUTH) && !eku.includes(ANY_EXTENDED_KEY_USAGE)) return undefined;
  const subject = cert.toLegacyObject().subject as unknown as Record<string, string | string[] | undefined>;
  const cn = subject['CN'];
  if (typeof cn !== 'string' || cn === '') return undefined;
  const o = subject['O'];
  const groups = o === undefined ? [] : typeof o === 'string' ? [o] : [...o];
  return { user: { name: cn, groups: withAuthenticated(groups) }, notBefore, notAfter };
}

/** The token of an `authorization: Bearer <token>` header (the first one), as Kubernetes reads it. */
export function bearerToken(values: Array<string | Buffer>): string | undefined {
  const header = values.find((v): v is string => typeof v === 'string');
  if (header === undefined) return undefined;
  const m = /^bearer +(\S+) *$/i.exec(header.trim());
  return m?.[1];
}

/** The service account a token speaks for, if it verifies and its Secret still holds it. */
async function serviceAccountUser(token: string, key: KeyObject, getSecret: SecretLookup): Promise<User | undefined> {
  const sa = await verifyServiceAccountToken(token, key);
  if (!sa) return undefined;
  const { namespace, secretName, serviceAccountName, serviceAccountUid } = sa.claims;
  if (!serviceAccountUid) return undefined;
  const secret = await getSecret(namespace, secretName);
  if (!secret || secret.metadata?.deletionTimestamp) return undefined;
  if (secret['type'] !== SERVICE_ACCOUNT_TOKEN_TYPE) return undefined;
  const annotations = secret.metadata?.annotations ?? {};
  if (annotations[SERVICE_ACCOUNT_UID_ANNOTATION] !== serviceAccountUid || annotations[SERVICE_ACCOUNT_NAME_ANNOTATION] !== serviceAccountName) return undefined;
  const stored = (secret['data'] as Record<string, unknown> | undefined)?.['token'];
  if (typeof stored !== 'string' || !sameBytes(Buffer.from(stored, 'base64'), Buffer.from(token))) return undefined;
  return { name: sa.username, groups: withAuthenticated(sa.groups) };
}

/**
 * The service account of a bound token: valid signature, issuer, audience and expiry, then
 * the account must still exist with the token's uid, and so must the Pod or Secret it is
 * bound to (not being deleted): deleting either revokes the token.
 */
async function boundTokenUser(token: string, key: KeyObject, opts: { issuer: string; audiences: string[]; lookup: ObjectLookup }, now: number): Promise<User | undefined> {
  const verified = await verifyBoundServiceAccountToken(token, key, { issuer: opts.issuer, audiences: opts.audiences, now });
  if (!verified) return undefined;
  const { namespace, serviceAccount, boundObject } = verified.claims;
  const sa = await opts.lookup('serviceaccounts', namespace, serviceAccount.name);
  if (!sa || sa.metadata?.uid !== serviceAccount.uid) return undefined;
  if (boundObject) {
    const obj = await opts.lookup(boundObject.kind === 'Pod' ? 'pods' : 'secrets', namespace, boundObject.name);
    if (!obj || obj.metadata?.uid !== boundObject.uid || obj.metadata?.deletionTimestamp) return undefined;
  }
  return { name: verified.username, groups: withAuthenticated(['system:serviceaccounts', `system:serviceaccounts:${namespace}`]) };
}

/** Every authenticated user is also in system:authenticated (Kubernetes' AuthenticatedGroupAdder). */
function withAuthenticated(groups: readonly string[]): string[] {
  return groups.includes(AUTHENTICATED_GROUP) ? [...groups] : [...groups, AUTHENTICATED_GROUP];
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
