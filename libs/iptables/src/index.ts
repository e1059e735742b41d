// SPDX-License-Identifier: Apache-2.0
export {
  BUILTIN_CHAINS,
  IptablesError,
  splitArgs,
  type Iptables,
  type IptablesTable,
  type RestoreOptions,
  type RulePosition,
} from './iptables';
export { ExecIptables, type ExecIptablesOptions } from './exec-iptables';
export { FakeIptables } from './fake-iptables';
export { run, runChecked, netnsExec, type RunOptions, type RunResult } from './exec';
export { createTestNetns, listNetns, spawnInNetns, type TestNetns } from './netns';
export { ExecConntrack, FakeConntrack, type Conntrack } from './conntrack';
export { ExecNft, NftError, nftAvailable, type Nft, type ExecNftOptions } from './nft';
export { FakeNft, type FakeNftChain, type FakeNftSet, type FakeNftTable } from './fake-nft';
