// SPDX-License-Identifier: Apache-2.0
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';

/**
 * Service-account tokens as Kubernetes' legacy token controller writes them into
 * `kubernetes.io/service-account-token` Secrets: a JWT whose issuer is
 * "kubernetes/serviceaccount", naming the namespace, the service account (name and uid)
 * and the Secret that holds it. The controller-manager signs with the private key
 * (--service-account-private-key-file); the apiserver verifies with the public key
 * (--service-account-key-file) and then checks that the Secret still exists, so deleting
 * the Secret revokes the token. ES256 on a P-256 key, like the cluster's certificates.
 */
export const SERVICE_ACCOUNT_ISSUER = 'kubernetes/serviceaccount';

/** Who a service-account token speaks for. */
export interface ServiceAccountClaims {
  namespace: string;
  serviceAccountName: string;
  serviceAccountUid: string;
  secretName: string;
}

/** The identity a valid token stands for, as Kubernetes names it. */
export interface ServiceAccountUser {
  /** "system:serviceaccount:<namespace>:<name>". */
  username: string;
  /** system:serviceaccounts, system:serviceaccounts:<namespace>, system:authenticated. */
  groups: string[];
  claims: ServiceAccountClaims;
}

const NS = 'kubernetes.io/serviceaccount/namespace';
const SECRET = 'kubernetes.io/serviceaccount/secret.name';
const SA_NAME = 'kubernetes.io/serviceaccount/service-account.name';
const SA_UID = 'kubernetes.io/serviceaccount/service-account.uid';

/** A new signing key pair, PEM (PKCS#8 private, SPKI public): what gen-pki writes as sa.key / sa.pub. */
export function generateServiceAccountKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Signs a token for `claims` with a PEM private key (no expiry: legacy tokens live as long as their Secret). */
export async function signServiceAccountToken(claims: ServiceAccountClaims, privateKeyPem: string | KeyObject): Promise<string> {
  const key = typeof privateKeyPem === 'string' ? createPrivateKey(privateKeyPem) : privateKeyPem;
  return new SignJWT({
    [NS]: claims.namespace,
    [SECRET]: claims.secretName,
    [SA_NAME]: claims.serviceAccountName,
    [SA_UID]: claims.serviceAccountUid,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuer(SERVICE_ACCOUNT_ISSUER)
    .setSubject(`system:serviceaccount:${claims.namespace}:${claims.serviceAccountName}`)
    .sign(key);
}

/**
 * Verifies a token's signature and issuer with a PEM public key (a private key also works:
 * its public half is used) and returns who it speaks for, or undefined when the token is
 * not a valid service-account token of this cluster. The caller still has to check that the
 * named Secret exists and holds this token.
 */
export async function verifyServiceAccountToken(token: string, publicKeyPem: string | KeyObject): Promise<ServiceAccountUser | undefined> {
  const key = typeof publicKeyPem === 'string' ? createPublicKey(publicKeyPem) : publicKeyPem;
  try {
    const { payload } = await jwtVerify(token, key, { issuer: SERVICE_ACCOUNT_ISSUER, algorithms: ['ES256'] });
    const str = (k: string): string => (typeof payload[k] === 'string' ? (payload[k] as string) : '');
    const claims: ServiceAccountClaims = { namespace: str(NS), serviceAccountName: str(SA_NAME), serviceAccountUid: str(SA_UID), secretName: str(SECRET) };
    if (!claims.namespace || !claims.serviceAccountName || !claims.secretName) return undefined;
    if (payload.sub !== `system:serviceaccount:${claims.namespace}:${claims.serviceAccountName}`) return undefined;
    return {
      username: payload.sub,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${claims.namespace}`, 'system:authenticated'],
      claims,
    };
  } catch (err) {
    if (err instanceof errors.JOSEError || err instanceof TypeError) return undefined;
    throw err;
  }
}
