// SPDX-License-Identifier: Apache-2.0
export { compileDnsConfig, ConfigError, type DnsConfig } from './config';
export { startDnsApp, type DnsApp, type DnsAppDeps } from './dns-app';
