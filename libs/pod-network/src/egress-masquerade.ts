// SPDX-License-Identifier: Apache-2.0
import type { Iptables } from '@berth/iptables';
import { parseIpv4Cidr } from './host-gw-routes';

/** The comment on our rule: what an operator sees in `iptables-save -t nat`. */
export const EGRESS_MASQUERADE_COMMENT = 'berth pod egress';

/**
 * The arguments of the pod egress rule in nat POSTROUTING:
 * `-s <clusterCidr> ! -d <clusterCidr> -m comment --comment "berth pod egress" -j MASQUERADE`.
 * Pod-to-pod traffic keeps its source IP (it never matches); traffic from a pod to anything
 * outside the cluster CIDR (the control plane on the host bridge, another node's address,
 * the world) leaves with the node's address, so replies find their way back without the
 * rest of the network knowing any pod route.
 */
export function egressMasqueradeArgs(clusterCidr: string): string[] {
  if (!parseIpv4Cidr(clusterCidr)) throw new Error(`invalid cluster CIDR ${JSON.stringify(clusterCidr)}: want an IPv4 network such as 10.244.0.0/16`);
  return ['-s', clusterCidr, '!', '-d', clusterCidr, '-m', 'comment', '--comment', EGRESS_MASQUERADE_COMMENT, '-j', 'MASQUERADE'];
}

/**
 * Appends the pod egress rule to nat POSTROUTING unless it is there (`iptables -C`, then
 * `-A`). Resolves true when it was added, false when it already existed.
 */
export async function ensureEgressMasquerade(iptables: Iptables, clusterCidr: string): Promise<boolean> {
  return iptables.ensureRule('nat', 'POSTROUTING', 'append', egressMasqueradeArgs(clusterCidr));
}

/** Deletes every copy of the pod egress rule (cleanup); resolves how many were deleted. */
export async function removeEgressMasquerade(iptables: Iptables, clusterCidr: string): Promise<number> {
  const args = egressMasqueradeArgs(clusterCidr);
  let n = 0;
  // Bounded: a fake or a broken iptables that always says "deleted" must not spin forever.
  while (n < 100 && (await iptables.deleteRule('nat', 'POSTROUTING', args))) n++;
  return n;
}
