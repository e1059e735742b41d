// SPDX-License-Identifier: Apache-2.0
export { describe, hasDescriber } from './describe';
export type { DescribeContext, DescribeListOptions } from './context';
export { describeEvents, eventAge } from './events';
export { describeProbe } from './containers';
export { TabWriter, tabAlign } from './tabwriter';
export { PrefixWriter } from './prefix-writer';
