// SPDX-License-Identifier: Apache-2.0
export * from './rbac-rules';
export * from './rbac-authorizer';
export * from './escalation';
export * from './authorizing-backend';
export * from './ensure-bootstrap-policy';
export * from './bootstrap-policy';
export * from './node-restriction';
