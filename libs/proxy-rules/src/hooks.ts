// SPDX-License-Identifier: Apache-2.0
import type { TableName } from './rule-set';

/** A jump from a built-in chain into one of the proxy's chains. */
export interface JumpHook {
  table: TableName;
  /** The built-in chain holding the jump. */
  chain: string;
  /** The chain jumped to (it must exist before the jump is added). */
  target: string;
  /** The rule's arguments, "-j <target>" included. */
  args: readonly string[];
}

const portals = ['-m', 'comment', '--comment', 'kubernetes service portals'];
const external = ['-m', 'comment', '--comment', 'kubernetes externally-visible service portals'];
const newConn = ['-m', 'conntrack', '--ctstate', 'NEW'];

/**
 * The jumps from the built-in chains into the proxy's chains, as kube-proxy's
 * iptablesJumpChains. They are installed one by one with check-then-insert (never in the
 * restore text: a `-A PREROUTING` line in a --noflush restore would add a copy per sync).
 */
export const JUMP_HOOKS: readonly JumpHook[] = [
  { table: 'nat', chain: 'PREROUTING', target: 'KUBE-SERVICES', args: [...portals, '-j', 'KUBE-SERVICES'] },
  { table: 'nat', chain: 'OUTPUT', target: 'KUBE-SERVICES', args: [...portals, '-j', 'KUBE-SERVICES'] },
  {
    table: 'nat',
    chain: 'POSTROUTING',
    target: 'KUBE-POSTROUTING',
    args: ['-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', 'KUBE-POSTROUTING'],
  },
  { table: 'filter', chain: 'INPUT', target: 'KUBE-EXTERNAL-SERVICES', args: [...newConn, ...external, '-j', 'KUBE-EXTERNAL-SERVICES'] },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-SERVICES', args: [...newConn, ...portals, '-j', 'KUBE-SERVICES'] },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-EXTERNAL-SERVICES', args: [...newConn, ...external, '-j', 'KUBE-EXTERNAL-SERVICES'] },
  {
    table: 'filter',
    chain: 'FORWARD',
    target: 'KUBE-FORWARD',
    args: ['-m', 'comment', '--comment', 'kubernetes forwarding rules', '-j', 'KUBE-FORWARD'],
  },
  { table: 'filter', chain: 'OUTPUT', target: 'KUBE-SERVICES', args: [...newConn, ...portals, '-j', 'KUBE-SERVICES'] },
];
