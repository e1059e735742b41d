// SPDX-License-Identifier: Apache-2.0
import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';

/**
 * Bound service-account tokens, as the TokenRequest API (`serviceaccounts/<name>/token`,
 * `kubectl create token`) issues them: a JWT with an issuer and audiences, an expiry, and
 * under "kubernetes.io" the service account and optionally the Pod or Secret it is bound to.
 * The apiserver signs with --service-account-signing-key-file and, verifying, checks that the
 * service account and the bound object still exist with the same uids: deleting either
 * revokes the token. ES256 on a P-256 key, like the legacy tokens.
 */
export interface BoundTokenClaims {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  /** The object whose life the token is tied to. */
  boundObject?: { kind: 'Pod' | 'Secret'; name: string; uid: string };
}

export interface BoundTokenOptions {
  issuer: string;
  audiences: string[];
  expirationSeconds: number;
  /** The clock (ms since the epoch; tests). */
  now?: number;
}

/** A verified bound token: its claims and when it expires. */
export interface VerifiedBoundToken {
  claims: BoundTokenClaims;
  /** "system:serviceaccount:<namespace>:<name>". */
  username: string;
  expiresAt: Date;
}

const CLAIM = 'kubernetes.io';

export async function signBoundServiceAccountToken(claims: BoundTokenClaims, privateKey: string | KeyObject, opts: BoundTokenOptions): Promise<{ token: string; expiresAt: Date }> {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  const exp = now + opts.expirationSeconds;
  const k8s: Record<string, unknown> = { namespace: claims.namespace, serviceaccount: claims.serviceAccount };
  if (claims.boundObject) k8s[claims.boundObject.kind === 'Pod' ? 'pod' : 'secret'] = { name: claims.boundObject.name, uid: claims.boundObject.uid };
  const token = await new SignJWT({ [CLAIM]: k8s })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuer(opts.issuer)
    .setSubject(`system:serviceaccount:${claims.namespace}:${claims.serviceAccount.name}`)
    .setAudience(opts.audiences)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(key);
  return { token, expiresAt: new Date(exp * 1000) };
}

/**
 * Verifies signature, issuer, expiry and that the token is for one of `audiences`; returns
 * its claims, or undefined when it is not a valid bound token of this cluster. The caller
 * still checks that the service account and the bound object exist with the same uids.
 */
export async function verifyBoundServiceAccountToken(
  token: string,
  publicKey: string | KeyObject,
  opts: { issuer: string; audiences: string[]; now?: number },
): Promise<VerifiedBoundToken | undefined> {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  try {
    const { payload } = await jwtVerify(token, key, {
      issuer: opts.issuer,
      audience: opts.audiences,
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'sub'],
      ...(opts.now !== undefined ? { currentDate: new Date(opts.now) } : {}),
    });
    const k8s = (payload[CLAIM] ?? {}) as Record<string, unknown>;
    const ref = (v: unknown): { name: string; uid: string } | undefined => {
      const o = v as { name?: unknown; uid?: unknown } | undefined;
      return typeof o?.name === 'string' && typeof o.uid === 'string' ? { name: o.name, uid: o.uid } : undefined;
    };
    const namespace = typeof k8s['namespace'] === 'string' ? k8s['namespace'] : '';
    const serviceAccount = ref(k8s['serviceaccount']);
    if (!namespace || !serviceAccount) return undefined;
    const username = `system:serviceaccount:${namespace}:${serviceAccount.name}`;
    if (payload.sub !== username) return undefined;
    const pod = ref(k8s['pod']);
    const secret = ref(k8s['secret']);
    const boundObject = pod ? { kind: 'Pod' as const, ...pod } : secret ? { kind: 'Secret' as const, ...secret } : undefined;
    return { claims: { namespace, serviceAccount, ...(boundObject ? { boundObject } : {}) }, username, expiresAt: new Date((payload.exp ?? 0) * 1000) };
  } catch (err) {
    if (err instanceof errors.JOSEError || err instanceof TypeError) return undefined;
    throw err;
  }
}
