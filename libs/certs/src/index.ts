// SPDX-License-Identifier: Apache-2.0
export { createClusterCa, issueCertificate, type CertKeyPair, type IssueOptions } from './cluster-ca';
export {
  SERVICE_ACCOUNT_ISSUER,
  generateServiceAccountKeyPair,
  signServiceAccountToken,
  verifyServiceAccountToken,
  type ServiceAccountClaims,
  type ServiceAccountUser,
} from './service-account-token';
export {
  signBoundServiceAccountToken,
  verifyBoundServiceAccountToken,
  type BoundTokenClaims,
  type BoundTokenOptions,
  type VerifiedBoundToken,
} from './bound-service-account-token';
