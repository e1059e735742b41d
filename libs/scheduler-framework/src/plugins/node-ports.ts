// SPDX-License-Identifier: Apache-2.0
import type { ClusterEvent, CycleState, FilterPlugin, PreFilterPlugin } from '../interface';
import { podHostPorts, type NodeInfo } from '../node-info';
import { Status } from '../status';
import type { Pod } from '../types';

export const NODE_PORTS = 'NodePorts';
/** Reason when a host port is taken. */
export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
const STATE_KEY = 'PreFilter' + NODE_PORTS;

type HostPort = { protocol: string; port: number; hostIP: string };

/** True when a wanted host port conflicts with one in use: same protocol and port, and same IP or either is 0.0.0.0. */
export function portsConflict(wanted: HostPort[], used: ReadonlyMap<string, number>): boolean {
  for (const w of wanted) {
    if (w.hostIP === '0.0.0.0') {
      for (const k of used.keys()) {
        const [proto, , port] = k.split('/');
        if (proto === w.protocol && Number(port) === w.port) return true;
      }
    } else if (used.has(`${w.protocol}/${w.hostIP}/${w.port}`) || used.has(`${w.protocol}/0.0.0.0/${w.port}`)) {
      return true;
    }
  }
  return false;
}

/** NodePorts: a pod's hostPorts must be free on the node. */
export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NODE_PORTS;
  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'AssignedPodDelete'];
  }
  /** A pod without host ports conflicts with nothing: Skip, so its Filter does not run. */
  preFilter(state: CycleState, pod: Pod): Status | undefined {
    const ports = podHostPorts(pod);
    if (ports.length === 0) return new Status('Skip');
    state.write(STATE_KEY, ports);
    return undefined;
  }
  filter(state: CycleState, pod: Pod, info: NodeInfo): Status | undefined {
    const wanted = state.read<HostPort[]>(STATE_KEY) ?? podHostPorts(pod);
    if (wanted.length === 0 || !portsConflict(wanted, info.usedPorts)) return undefined;
    return new Status('Unschedulable', ERR_REASON_PORTS);
  }
}
