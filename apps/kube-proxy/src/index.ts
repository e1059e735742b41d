// SPDX-License-Identifier: Apache-2.0
export { compileProxyConfig, parseDuration, ConfigError, type ProxyConfig } from './config';
export { Proxier, type ProxierOptions, type SyncResult, type ProxierLogger } from './proxier';
export { BoundedFrequencyRunner, type BoundedRunnerOptions } from './bounded-runner';
export { cleanupRules } from './cleanup';
export { setupNode, ensureServiceDevice, SERVICE_DEVICE, type NodeSetupOptions } from './node-setup';
export { DryRunIptables } from './dry-run-iptables';
export { startKubeProxy, nodeAddresses, SERVICES, ENDPOINT_SLICES, NODES, type KubeProxy } from './kube-proxy';
