// SPDX-License-Identifier: Apache-2.0
export {
  ClusterRecords,
  endpointLabel,
  endpointsFromEndpoints,
  endpointsFromSlice,
  isHeadlessService,
  serviceInfoFromObject,
  type EndpointInfo,
  type PortInfo,
  type ServiceInfo,
} from './cluster-records';
export { dashedIpv4, DEFAULT_TTL, RCODE, resolveQuery, reverseIpv4, soaRecord, type AnswerOptions, type Resolution } from './answer';
export { encodeResponse, queryOpt, rcodeName, UDP_MAX_PAYLOAD, UDP_MIN_PAYLOAD, udpLimit } from './wire';
export { hostUpstreams, parseHostPort, parseResolvConf } from './resolv-conf';
export { createForwarder, type Forwarder, type ForwarderOptions } from './forwarder';
export { startDnsServer, type DnsServer, type DnsServerOptions, type QueryEvent } from './server';
