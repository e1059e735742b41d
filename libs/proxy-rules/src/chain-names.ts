// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (standard alphabet, no padding), as Go's base32.StdEncoding produces before the '='. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

// iptables chain names must be at most 28 characters: a prefix plus 16 hash characters fits,
// and the same input always gives the same name, so names survive restarts and read well in tests.
function hash16(input: string): string {
  return base32(createHash('sha256').update(input).digest()).slice(0, 16);
}

/**
 * The KUBE-SVC- chain of a service port, exactly as kube-proxy's servicePortChainName:
 * sha256("<ns>/<name>[:<port name>]" + lower-case protocol), base32, first 16 characters.
 */
export function servicePortChainName(servicePortName: string, protocol: string): string {
  return 'KUBE-SVC-' + hash16(servicePortName + protocol.toLowerCase());
}

/** The KUBE-EXT- chain (traffic to node ports, external and load-balancer IPs) of a service port. */
export function externalChainName(servicePortName: string, protocol: string): string {
  return 'KUBE-EXT-' + hash16(servicePortName + protocol.toLowerCase());
}

/** The KUBE-SEP- chain of one endpoint ("ip:port") of a service port, as kube-proxy's servicePortEndpointChainName. */
export function endpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return 'KUBE-SEP-' + hash16(servicePortName + protocol.toLowerCase() + endpoint);
}
