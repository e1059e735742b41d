// SPDX-License-Identifier: Apache-2.0
import type { NodeStats } from '@berth/api';

/**
 * The logs/exec/stats tunnel between the apiserver and a kubelet over NATS core subjects,
 * scoped per node so each node's credentials can be limited to its own subjects:
 *
 *   berth.node.<node>.logs             apiserver → node   a LogsRequest (JSON); output on the session's tunnel subject
 *   berth.node.<node>.exec             apiserver → node   an ExecRequest (JSON)
 *   berth.node.<node>.stats            apiserver → node   a request whose reply subject is a tunnel subject; the
 *                                                         reply is a StatsReply (JSON)
 *   berth.node.<node>.in.<session>     apiserver → node   stdin / resize / close-stdin frames of an exec, and the
 *                                                         acks of a session's output (flow control)
 *   berth.node.<node>.cancel.<session> apiserver → node   stop a log follow or kill an exec
 *   berth.tunnel.<node>.<session>      node → apiserver   output frames: stdout, stderr, exit, end, error
 *   berth.tunnel.<node>.<session>.stdin-ack  node → apiserver   the stdin bytes the command has taken (acks)
 *
 * Frames (logs, exec) are binary: one type byte, then the payload (raw bytes or JSON).
 * Output goes in frames of at most OUTPUT_FRAME_BYTES (NATS refuses a message over its
 * max_payload, 1 MiB by default). NATS core has no flow control of its own: a request may
 * ask for a window (`windowBytes`), and the node then keeps at most that many output bytes
 * unacknowledged, reading no further from the container until the reader has taken them.
 * The node sends a heartbeat frame while a session lasts, so a node that dies mid-session
 * (no connection end reaches the apiserver over NATS) is noticed within a few heartbeats.
 */
export const FRAME = {
  stdout: 1,
  stderr: 2,
  /** JSON {exitCode}: an exec ended. */
  exit: 3,
  /** The stream ended normally (logs). */
  end: 4,
  /** JSON {code, message}: the request failed (NotFound, BadRequest...). */
  error: 5,
  stdin: 6,
  /** JSON {cols, rows}. */
  resize: 7,
  closeStdin: 8,
  /**
   * Sent first by the node once the session runs (the client may then send stdin). Its
   * JSON body {heartbeatMs, stdinAcks} promises a frame at least that often while the
   * session lasts, and (stdinAcks) acks of the stdin the command has taken (an empty body,
   * from older kubelets, promises nothing).
   */
  ready: 9,
  /** Nothing to say, but alive: sent every heartbeatMs during a session. */
  heartbeat: 10,
  /**
   * JSON {bytes}: the bytes taken so far, in all: of the output by the reader (on the in
   * subject), or of stdin by the command (on the stdin-ack subject).
   */
  ack: 11,
} as const;

/** The largest output frame a node sends (well under NATS's default max_payload of 1 MiB). */
export const OUTPUT_FRAME_BYTES = 64 * 1024;

/** What `kubectl logs` asks for. */
export interface LogsRequest {
  session: string;
  namespace: string;
  pod: string;
  /** Empty: the pod's only (or first) container. */
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tail?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
  /** Output flow control: at most this many bytes sent and not yet acked (absent: no limit). */
  windowBytes?: number;
}

/** What `kubectl exec` asks for. */
export interface ExecRequest {
  session: string;
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
  stdin?: boolean;
  tty?: boolean;
  /** Output flow control: at most this many bytes sent and not yet acked (absent: no limit). */
  windowBytes?: number;
}

/** The kubelet's answer to a stats request: its usage over the last window, or why not. */
export type StatsReply = { stats: NodeStats } | { error: TunnelErrorBody };

/** An error sent back through the tunnel. */
export interface TunnelErrorBody {
  /** 'NotFound' | 'BadRequest' | 'InternalError'. */
  code: string;
  message: string;
}

export function requestSubject(node: string, kind: 'logs' | 'exec' | 'stats'): string {
  return `berth.node.${node}.${kind}`;
}
export function stdinSubject(node: string, session: string): string {
  return `berth.node.${node}.in.${session}`;
}
export function cancelSubject(node: string, session: string): string {
  return `berth.node.${node}.cancel.${session}`;
}
export function tunnelSubject(node: string, session: string): string {
  return `berth.tunnel.${node}.${session}`;
}
/** Apart from the output, so stdin flows while the output waits for its reader. */
export function stdinAckSubject(node: string, session: string): string {
  return `${tunnelSubject(node, session)}.stdin-ack`;
}

export function frame(type: number, payload?: Uint8Array | string | object): Uint8Array {
  const body = payload === undefined ? new Uint8Array() : typeof payload === 'string' ? Buffer.from(payload) : payload instanceof Uint8Array ? payload : Buffer.from(JSON.stringify(payload));
  const out = new Uint8Array(body.length + 1);
  out[0] = type;
  out.set(body, 1);
  return out;
}

export function parseFrame(data: Uint8Array): { type: number; body: Uint8Array } {
  return { type: data[0] ?? 0, body: data.subarray(1) };
}

/** The byte total of an ack frame's body; 0 (acknowledging nothing) when malformed. */
export function ackedBytes(body: Uint8Array): number {
  try {
    return Number((JSON.parse(Buffer.from(body).toString()) as { bytes?: unknown }).bytes) || 0;
  } catch {
    return 0;
  }
}

/** What a ready frame promises: heartbeats every heartbeatMs (0: none), acks of stdin (older kubelets: neither). */
export function readyPromises(body: Uint8Array): { heartbeatMs: number; stdinAcks: boolean } {
  try {
    const r = body.length > 0 ? (JSON.parse(Buffer.from(body).toString()) as { heartbeatMs?: unknown; stdinAcks?: unknown }) : {};
    return { heartbeatMs: Number(r.heartbeatMs) || 0, stdinAcks: r.stdinAcks === true };
  } catch {
    return { heartbeatMs: 0, stdinAcks: false };
  }
}

/**
 * The nats-server permissions of one node's user: it may only receive its own requests and
 * publish on its own tunnel subjects (plus events). Used to generate nats-server
 * `authorization.users` entries (see natsAuthorizationConfig).
 */
export function nodePermissions(node: string): { publish: { allow: string[] }; subscribe: { allow: string[] } } {
  return {
    publish: { allow: [`berth.tunnel.${node}.>`, 'events.>', '$JS.API.>', '_INBOX.>'] },
    subscribe: { allow: [`berth.node.${node}.>`, '_INBOX.>'] },
  };
}

/**
 * A nats-server `authorization { users = [...] }` block: one user per node limited by
 * nodePermissions, and the apiserver allowed everything under berth.> (it relays).
 */
export function natsAuthorizationConfig(nodes: Array<{ name: string; password: string }>, apiserver: { user: string; password: string }): string {
  const q = (s: string): string => JSON.stringify(s);
  const list = (xs: string[]): string => `[${xs.map(q).join(', ')}]`;
  const users = nodes.map((n) => {
    const p = nodePermissions(n.name);
    return `    { user: ${q(`node-${n.name}`)}, password: ${q(n.password)}, permissions: { publish: { allow: ${list(p.publish.allow)} }, subscribe: { allow: ${list(p.subscribe.allow)} } } }`;
  });
  users.push(`    { user: ${q(apiserver.user)}, password: ${q(apiserver.password)} }`);
  return `authorization {\n  users = [\n${users.join(',\n')}\n  ]\n}\n`;
}
