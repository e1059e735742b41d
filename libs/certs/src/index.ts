// SPDX-License-Identifier: Apache-2.0
export { createClusterCa, issueCertificate, type CertKeyPair, type IssueOptions } from './cluster-ca';
