// SPDX-License-Identifier: Apache-2.0
// Kubernetes' core/v1 names for legacy service-account tokens, shared by the controller that
// writes them, the admission that mounts them and the apiserver that accepts them.

/** The type of the Secrets that hold a service account's token (v1.SecretTypeServiceAccountToken). */
export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
/** Names the service account a token Secret belongs to (v1.ServiceAccountNameKey). */
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
/** The uid of that service account, so a new account of the same name does not inherit it (v1.ServiceAccountUIDKey). */
export const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
