// SPDX-License-Identifier: Apache-2.0
export { base32, servicePortChainName, externalChainName, endpointChainName } from './chain-names';
export { ipv4ToNumber, ipInCidr, isIPv4 } from './ip';
export {
  servicePorts,
  ServicePortsCache,
  usableEndpoints,
  SERVICE_NAME_LABEL,
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  type ProxyState,
  type ServicePort,
  type Endpoint,
} from './proxy-state';
export {
  chainKey,
  isGeneratedChain,
  ruleCount,
  FIXED_CHAINS,
  MASQ_MARK,
  type Rule,
  type RuleSet,
  type Table,
  type TableName,
} from './rule-set';
export { buildRules, buildRulesFromPorts, BuildCache, probability, type BuildOptions } from './build-rules';
export { JUMP_HOOKS, type JumpHook } from './hooks';
export { renderRestore, renderRule, quoteArg, diffRuleSets, type RenderOptions, type RuleSetDiff } from './render-restore';
export { type Packet, type TraceResult, type TraceOutcome } from './trace-core';
export { tracePacket, tracePacketAll, type TraceOptions, type RecentTable } from './trace-packet';
export {
  NFT,
  NFT_FAMILY,
  NFT_TABLE,
  NFT_PROTOCOLS,
  nftServiceEndpointsMap,
  nftRuleCount,
  nftElementCount,
  type NftRuleset,
  type NftChain,
  type NftSet,
  type NftElement,
  type NftRule,
  type NftBaseChainSpec,
} from './nft/model';
export {
  hashAndTruncate,
  nftServiceChainName,
  nftExternalChainName,
  nftAffinitySetName,
  isNftServiceObjectName,
} from './nft/names';
export { buildNftRuleset, buildNftRulesetFromPorts, NftBuildCache, type NftBuildChanges } from './nft/build';
export {
  renderNftFull,
  renderNftIncremental,
  diffNftRulesets,
  isEmptyNftDiff,
  isDynamicSet,
  type NftDiff,
  type NftFullOptions,
} from './nft/render';
export { traceNft, traceNftAll, type AffinityTable, type NftTraceOptions } from './nft/trace';
