// SPDX-License-Identifier: Apache-2.0
import { randomInt } from 'node:crypto';
import { SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, SERVICE_ACCOUNT_UID_ANNOTATION } from '@berth/api';
import type { coreV1 } from '@berth/api-types';
import { SAFE_ALPHABET } from '../shared/pod-template-hash';

/** A Secret. */
export type Secret = coreV1.SecretJson;

export { SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, SERVICE_ACCOUNT_UID_ANNOTATION };
/** The data keys of a token Secret, as pods see them in /var/run/secrets/kubernetes.io/serviceaccount. */
export const TOKEN_KEY = 'token';
export const NAMESPACE_KEY = 'namespace';
export const ROOT_CA_KEY = 'ca.crt';
/** Lists and watches only token Secrets (the apiserver and FakeApi both know Secret's `type` field). */
export const TOKEN_SECRETS_FIELD_SELECTOR = `type=${SERVICE_ACCOUNT_TOKEN_TYPE}`;

// Kubernetes' SimpleNameGenerator: 5 random characters after a base cut to 58, so the name
// stays within 63.
const RANDOM_LENGTH = 5;
const MAX_GENERATED_NAME_LENGTH = 63 - RANDOM_LENGTH;

/** `n` characters of Kubernetes' utilrand.String alphabet. */
export function randomSafeString(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += SAFE_ALPHABET[randomInt(SAFE_ALPHABET.length)];
  return out;
}

/** `<sa>-token-`, cut as Kubernetes cuts a generateName base. */
export function tokenSecretPrefix(serviceAccountName: string): string {
  return `${serviceAccountName}-token-`.slice(0, MAX_GENERATED_NAME_LENGTH);
}

/**
 * A new token Secret name, `<sa>-token-<5 chars>`. Chosen here, not with generateName,
 * because the signed token names its Secret.
 */
export function tokenSecretName(serviceAccountName: string, suffix: string = randomSafeString(RANDOM_LENGTH)): string {
  return tokenSecretPrefix(serviceAccountName) + suffix;
}

/** Whether `secretName` has the shape of a name tokenSecretName gives for this account. */
export function isGeneratedTokenName(serviceAccountName: string, secretName: string): boolean {
  const prefix = tokenSecretPrefix(serviceAccountName);
  return secretName.length === prefix.length + RANDOM_LENGTH && secretName.startsWith(prefix);
}

/** The service account a token Secret names, or undefined when the Secret is not a token Secret. */
export function tokenServiceAccountName(secret: Secret): string | undefined {
  if (secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE) return undefined;
  return secret.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] || undefined;
}

/** The uid annotation of a token Secret ('' when missing, as in a user-made one). */
export function tokenServiceAccountUid(secret: Secret): string {
  return secret.metadata?.annotations?.[SERVICE_ACCOUNT_UID_ANNOTATION] ?? '';
}

/**
 * Whether the Secret is a token of this service account (serviceaccount.IsServiceAccountToken):
 * the type, the name annotation, and the uid annotation when it has one.
 */
export function isTokenOf(secret: Secret, sa: { metadata?: { name?: string; uid?: string } }): boolean {
  if (tokenServiceAccountName(secret) !== sa.metadata?.name) return false;
  const uid = tokenServiceAccountUid(secret);
  return uid === '' || uid === sa.metadata?.uid;
}

/** A Secret data value: base64, as Secret JSON holds bytes. */
export function encodeSecretValue(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}
