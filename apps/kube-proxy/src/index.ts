// SPDX-License-Identifier: Apache-2.0
export { compileProxyConfig, parseDuration, ConfigError, PROXY_MODES, type ProxyConfig, type ProxyModeSetting } from './config';
export { ProxierBase, type BaseProxierOptions, type ProxyMode, type SyncResult, type ProxierLogger } from './proxier-base';
export { Proxier, type ProxierOptions } from './proxier';
export { NftProxier, type NftProxierOptions } from './nft-proxier';
export { BoundedFrequencyRunner, type BoundedRunnerOptions } from './bounded-runner';
export { cleanupRules, cleanupNft } from './cleanup';
export { setupNode, ensureServiceDevice, SERVICE_DEVICE, type NodeSetupOptions } from './node-setup';
export { DryRunIptables } from './dry-run-iptables';
export { DryRunNft } from './dry-run-nft';
export { startKubeProxy, resolveProxyMode, nodeAddresses, SERVICES, ENDPOINT_SLICES, NODES, type KubeProxy } from './kube-proxy';
