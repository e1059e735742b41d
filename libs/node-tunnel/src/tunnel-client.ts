// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { ErrorCode, type NatsConnection, type NatsError } from 'nats';
import type { NodeStats } from '@berth/api';
import { SendWindow } from './send-window';
import { FRAME, ackedBytes, cancelSubject, frame, parseFrame, readyPromises, requestSubject, stdinAckSubject, stdinSubject, tunnelSubject, type ExecRequest, type LogsRequest, type StatsReply, type TunnelErrorBody } from './protocol';

/** The largest stdin frame sent: well under NATS's default max_payload of 1 MiB. */
const STDIN_FRAME_BYTES = 64 * 1024;
/** The output a node may send ahead of the reader, by default (then it waits for acks). */
const DEFAULT_WINDOW_BYTES = 1 << 20;

/** One piece of output. */
export interface TunnelChunk {
  stream: 'stdout' | 'stderr';
  data: Uint8Array;
}

/** A failure reported by the node (or a node that does not answer: code 'Unavailable'). */
export class TunnelRequestError extends Error {
  override readonly name = 'TunnelRequestError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An exec session seen from the apiserver side. */
export interface TunnelExec {
  output: AsyncIterable<TunnelChunk>;
  /** Resolves with the command's exit code. */
  exitCode: Promise<number>;
  /** Resolves once the data may be counted as sent: within the window of stdin the node has not yet acked. */
  write(data: Uint8Array): Promise<void>;
  closeStdin(): void;
  resize(cols: number, rows: number): void;
  cancel(): void;
}

/**
 * The apiserver's side of the tunnel: sends logs/exec requests to a node and turns the
 * frames on the session's tunnel subject back into streams; asks a node for its stats.
 */
export class NodeTunnelClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: { readyTimeoutMs?: number; windowBytes?: number } = {},
  ) {}

  private get windowBytes(): number {
    return this.opts.windowBytes ?? DEFAULT_WINDOW_BYTES;
  }

  /**
   * The node's resource usage over its kubelet's last window. A node whose kubelet is not
   * connected fails at once, one that does not answer after readyTimeoutMs (default 5 s):
   * both with code 'Unavailable'.
   */
  async stats(node: string): Promise<NodeStats> {
    const timeoutMs = this.opts.readyTimeoutMs ?? 5000;
    let reply: StatsReply;
    try {
      // The reply comes on a tunnel subject: the only ones a node may publish on besides events.
      const m = await this.nc.request(requestSubject(node, 'stats'), new Uint8Array(), { timeout: timeoutMs, noMux: true, reply: tunnelSubject(node, randomUUID()) });
      reply = JSON.parse(Buffer.from(m.data).toString()) as StatsReply;
    } catch (err) {
      const code = (err as NatsError).code;
      if (code === ErrorCode.NoResponders) throw new TunnelRequestError('Unavailable', `no kubelet of node ${node} is connected`);
      if (code === ErrorCode.Timeout) throw new TunnelRequestError('Unavailable', `node ${node} did not answer the stats request within ${timeoutMs} ms`);
      throw err;
    }
    if ('error' in reply) throw new TunnelRequestError(reply.error.code, reply.error.message);
    return reply.stats;
  }

  /** Streams a container's logs (ends on `end`, throws TunnelRequestError on `error`). */
  async *logs(node: string, req: Omit<LogsRequest, 'session'>, signal?: AbortSignal): AsyncIterable<TunnelChunk> {
    const session = randomUUID();
    const frames = this.open(node, session, 'logs', { ...req, session, windowBytes: this.windowBytes });
    const onAbort = (): void => this.nc.publish(cancelSubject(node, session), frame(FRAME.end));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const f of frames) {
        if (f.type === FRAME.stdout || f.type === FRAME.stderr) yield { stream: f.type === FRAME.stderr ? 'stderr' : 'stdout', data: f.body };
        else if (f.type === FRAME.end) return;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Starts an exec; resolves once the node runs it. */
  async exec(node: string, req: Omit<ExecRequest, 'session'>): Promise<TunnelExec> {
    const session = randomUUID();
    const frames = this.open(node, session, 'exec', { ...req, session, windowBytes: this.windowBytes })[Symbol.asyncIterator]();
    // Stdin goes no further ahead of the command than the window, when the node acks it.
    let stdinWindow = new SendWindow(0);
    const stdinAcks = this.nc.subscribe(stdinAckSubject(node, session), {
      callback: (_e, m) => {
        const f = parseFrame(m.data);
        if (f.type === FRAME.ack) stdinWindow.ack(ackedBytes(f.body));
      },
    });
    let first: IteratorResult<{ type: number; body: Uint8Array }>;
    try {
      first = await frames.next();
      if (first.done) throw new TunnelRequestError('Unavailable', `node ${node} closed the exec session`);
    } catch (err) {
      stdinAcks.unsubscribe();
      throw err;
    }
    if (readyPromises(first.value.body).stdinAcks) stdinWindow = new SendWindow(this.windowBytes);
    let resolveExit!: (n: number) => void;
    let rejectExit!: (e: unknown) => void;
    const exitCode = new Promise<number>((res, rej) => ((resolveExit = res), (rejectExit = rej)));
    exitCode.catch(() => {});
    const output = (async function* (): AsyncIterable<TunnelChunk> {
      try {
        for (;;) {
          const n = await frames.next();
          if (n.done) break;
          const f = n.value;
          if (f.type === FRAME.stdout || f.type === FRAME.stderr) yield { stream: f.type === FRAME.stderr ? 'stderr' : 'stdout', data: f.body };
          else if (f.type === FRAME.exit) {
            resolveExit((JSON.parse(Buffer.from(f.body).toString()) as { exitCode: number }).exitCode);
            return;
          }
        }
        rejectExit(new TunnelRequestError('Unavailable', `the exec session on node ${node} ended without an exit code`));
      } catch (err) {
        rejectExit(err);
        throw err;
      } finally {
        // Left early or not, the session's subscriptions go, and no writer waits any longer.
        void frames.return?.(undefined);
        stdinAcks.unsubscribe();
        stdinWindow.close();
      }
    })();
    const send = (type: number, body?: Uint8Array | object): void => this.nc.publish(stdinSubject(node, session), frame(type, body));
    /** The stdin sent so far, in order (a write still waiting for the window holds what follows). */
    let stdinSent = Promise.resolve();
    return {
      output,
      exitCode,
      write: (d) => {
        // In order behind earlier writes (awaited or not); NATS refuses messages over its
        // max_payload (1 MiB by default), so stdin goes in pieces.
        const done = stdinSent.then(async () => {
          for (let at = 0; at < d.length; at += STDIN_FRAME_BYTES) {
            const piece = d.subarray(at, at + STDIN_FRAME_BYTES);
            await stdinWindow.reserve(piece.length);
            send(FRAME.stdin, piece);
          }
        });
        stdinSent = done.catch(() => {}); // the caller sees a failure; what follows still goes
        return done;
      },
      closeStdin: () => void (stdinSent = stdinSent.then(() => send(FRAME.closeStdin)).catch(() => {})),
      resize: (cols, rows) => send(FRAME.resize, { cols, rows }),
      cancel: () => {
        stdinWindow.close();
        this.nc.publish(cancelSubject(node, session), frame(FRAME.end));
      },
    };
  }

  /**
   * Subscribes to the session's tunnel subject, sends the request, yields frames until
   * end/exit/error. Output the reader has taken is acked in quarters of the window, so the
   * node sends on while the reader keeps up and holds back when it does not.
   */
  private async *open(node: string, session: string, kind: 'logs' | 'exec', req: LogsRequest | ExecRequest): AsyncIterable<{ type: number; body: Uint8Array }> {
    const window = req.windowBytes ?? 0;
    let taken = 0;
    let acked = 0;
    const sub = this.nc.subscribe(tunnelSubject(node, session));
    await this.nc.flush();
    this.nc.publish(requestSubject(node, kind), Buffer.from(JSON.stringify(req)));
    const timeoutMs = this.opts.readyTimeoutMs ?? 5000;
    const timer = setTimeout(() => {
      if (!readySeen) {
        timedOut = true;
        sub.unsubscribe();
      }
    }, timeoutMs);
    let readySeen = false;
    let timedOut = false;
    let silentMs = 0;
    let watchdog: ReturnType<typeof setInterval> | undefined;
    try {
      for await (const m of sub) {
        const f = parseFrame(m.data);
        if (f.type === FRAME.error) {
          const e = JSON.parse(Buffer.from(f.body).toString()) as TunnelErrorBody;
          throw new TunnelRequestError(e.code, e.message);
        }
        if (f.type === FRAME.ready) {
          readySeen = true;
          clearTimeout(timer);
          watchdog = this.watch(sub, f.body, (ms) => (silentMs = ms));
        }
        if (f.type === FRAME.heartbeat) continue;
        yield f;
        if (f.type === FRAME.end || f.type === FRAME.exit) return;
        if (window > 0 && (f.type === FRAME.stdout || f.type === FRAME.stderr)) {
          taken += f.body.length;
          if (taken - acked >= window / 4) {
            acked = taken;
            this.nc.publish(stdinSubject(node, session), frame(FRAME.ack, { bytes: taken }));
          }
        }
      }
      if (timedOut) throw new TunnelRequestError('Unavailable', `node ${node} did not answer the ${kind} request within ${timeoutMs} ms`);
      if (silentMs) throw new TunnelRequestError('Unavailable', `node ${node} stopped answering: nothing from its ${kind} session for ${silentMs} ms`);
    } finally {
      clearTimeout(timer);
      clearInterval(watchdog);
      sub.unsubscribe();
    }
  }

  /**
   * When the ready frame promises heartbeats, ends the subscription (calling `onSilent`)
   * once three heartbeat periods pass without a message. Counted on the subscription, not
   * on what was read: a consumer that reads slowly must not look like a dead node.
   */
  private watch(sub: ReturnType<NatsConnection['subscribe']>, readyBody: Uint8Array, onSilent: (ms: number) => void): ReturnType<typeof setInterval> | undefined {
    const { heartbeatMs } = readyPromises(readyBody);
    if (heartbeatMs <= 0) return undefined;
    const windowMs = 3 * heartbeatMs;
    let seen = sub.getReceived();
    const timer = setInterval(() => {
      const now = sub.getReceived();
      if (now === seen) {
        onSilent(windowMs);
        sub.unsubscribe();
      }
      seen = now;
    }, windowMs);
    return timer;
  }
}
