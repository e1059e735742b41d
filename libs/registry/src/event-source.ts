// SPDX-License-Identifier: Apache-2.0
import type { ExecInput, ExecOutput, KubeObject, LogChunk, NodeStats } from '@berth/api';

/** Reaches a node's kubelet for container logs (the NATS tunnel, in the apiserver). */
export interface NodeLogSource {
  logs(
    node: string,
    req: { namespace: string; pod: string; container: string; follow?: boolean; previous?: boolean; tail?: number; timestamps?: boolean; sinceSeconds?: number },
    signal?: AbortSignal,
  ): AsyncIterable<LogChunk>;
}

/** Reaches a node's kubelet for exec sessions (the NATS tunnel, in the apiserver). */
export interface NodeExecSource {
  /**
   * Runs `command` in the container and relays `input` to it once it runs; the output ends
   * with one `exit`. Failures are StatusErrors; `signal` ends the session.
   */
  exec(
    node: string,
    req: { namespace: string; pod: string; container: string; command: string[]; stdin?: boolean; tty?: boolean },
    input: AsyncIterable<ExecInput>,
    signal?: AbortSignal,
  ): AsyncIterable<ExecOutput>;
}

/** Reaches a node's kubelet for its resource usage (the NATS tunnel, in the apiserver). */
export interface NodeStatsSource {
  /** The usage over the kubelet's last window; a StatusError (ServiceUnavailable) when it does not answer. */
  stats(node: string, signal?: AbortSignal): Promise<NodeStats>;
}

/**
 * EventSource serves the `events` resource from outside etcd (the NATS stream, in the
 * apiserver). The registry stays free of NATS: the apiserver app wires an adapter in.
 */
export interface EventSource {
  list(opts: { namespace?: string; fieldSelector?: string }): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  watch(opts: { namespace?: string; fieldSelector?: string; resourceVersion?: string; signal: AbortSignal }): AsyncIterable<{ type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject }>;
  /** Records an event written through the API (e.g. by a client without its own recorder). */
  record(event: KubeObject): Promise<KubeObject>;
}
