// SPDX-License-Identifier: Apache-2.0
import type { NatsConnection, Subscription } from 'nats';
import type { NodeStats } from '@berth/api';
import type { ContainerRuntime, ExecSession } from '@berth/runtime';
import { FRAME, OUTPUT_FRAME_BYTES, ackedBytes, cancelSubject, frame, parseFrame, requestSubject, stdinAckSubject, stdinSubject, tunnelSubject, type ExecRequest, type LogsRequest, type StatsReply, type TunnelErrorBody } from './protocol';
import { SendWindow } from './send-window';

/** Finds the runtime container for a request; throws TunnelError for unknown pods/containers. */
export type ContainerResolver = (namespace: string, pod: string, container: string | undefined, previous: boolean) => Promise<string>;

/** A request that cannot be served (the apiserver maps `code` to a Status). */
export class TunnelError extends Error {
  override readonly name = 'TunnelError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Serves `berth.node.<node>.logs` and `.exec` on the kubelet: reads the container's logs or
 * runs the command through the runtime, and streams the output back on the session's
 * tunnel subject; with `stats`, answers `.stats` with the node's usage. Returns a function
 * that stops serving.
 */
export function serveNodeTunnel(opts: {
  nc: NatsConnection;
  nodeName: string;
  runtime: ContainerRuntime;
  resolve: ContainerResolver;
  /** The usage over the kubelet's last window (its StatsCollector's summary). */
  stats?: () => NodeStats | Promise<NodeStats>;
  /** How often a session's heartbeat frame is sent (default 5 s). */
  heartbeatMs?: number;
}): () => void {
  const { nc, nodeName: node, runtime } = opts;
  const heartbeatMs = opts.heartbeatMs ?? 5000;
  /** Sends ready (with the heartbeat promise), then a heartbeat until the returned function is called. */
  const startSession = (out: string): (() => void) => {
    nc.publish(out, frame(FRAME.ready, { heartbeatMs, stdinAcks: true }));
    const timer = setInterval(() => {
      try {
        nc.publish(out, frame(FRAME.heartbeat));
      } catch {
        clearInterval(timer); // the connection is closed: the kubelet is stopping
      }
    }, heartbeatMs);
    return () => clearInterval(timer);
  };
  const subs: Subscription[] = [];
  const errorBody = (err: unknown): TunnelErrorBody =>
    err instanceof TunnelError ? { code: err.code, message: err.message } : { code: 'InternalError', message: err instanceof Error ? err.message : String(err) };
  const fail = (session: string, err: unknown): void => {
    try {
      nc.publish(tunnelSubject(node, session), frame(FRAME.error, errorBody(err)));
    } catch {
      // The connection is closed (the kubelet is stopping): nobody is left to tell.
    }
  };

  /** The output window a request asks for (none from an older apiserver). */
  const windowFor = (req: { windowBytes?: number }): SendWindow => new SendWindow(Math.max(0, Math.floor(Number(req.windowBytes) || 0)));
  /** Sends a chunk of output in frames NATS takes, each once the window has room for it. */
  const sendOutput = async (out: string, chunk: { stream: 'stdout' | 'stderr'; data: Uint8Array }, window: SendWindow): Promise<void> => {
    const type = chunk.stream === 'stderr' ? FRAME.stderr : FRAME.stdout;
    for (let at = 0; at < chunk.data.length; at += OUTPUT_FRAME_BYTES) {
      const piece = chunk.data.subarray(at, at + OUTPUT_FRAME_BYTES);
      await window.reserve(piece.length);
      nc.publish(out, frame(type, piece));
    }
  };

  const stats = opts.stats;
  if (stats) {
    // Request and reply: the apiserver names one of this node's tunnel subjects as the reply subject.
    const sub = nc.subscribe(requestSubject(node, 'stats'), {
      callback: (_err, m) => {
        void (async (): Promise<StatsReply> => ({ stats: await stats() }))()
          .catch((err: unknown): StatsReply => ({ error: errorBody(err) }))
          .then((reply) => m.respond(Buffer.from(JSON.stringify(reply))));
      },
    });
    subs.push(sub);
  }

  const logs = nc.subscribe(requestSubject(node, 'logs'));
  subs.push(logs);
  void (async () => {
    for await (const m of logs) {
      let req: LogsRequest;
      try {
        req = JSON.parse(Buffer.from(m.data).toString()) as LogsRequest;
      } catch {
        continue;
      }
      void (async () => {
        const abort = new AbortController();
        const window = windowFor(req);
        const cancel = nc.subscribe(cancelSubject(node, req.session), {
          max: 1,
          callback: () => {
            abort.abort();
            window.close();
          },
        });
        const onAck = (_e: unknown, msg: { data: Uint8Array }): void => {
          const f = parseFrame(msg.data);
          if (f.type === FRAME.ack) window.ack(ackedBytes(f.body));
        };
        const acks = window.size > 0 ? nc.subscribe(stdinSubject(node, req.session), { callback: onAck }) : undefined;
        let stopBeating = (): void => {};
        try {
          const id = await opts.resolve(req.namespace, req.pod, req.container, !!req.previous);
          const out = tunnelSubject(node, req.session);
          stopBeating = startSession(out);
          for await (const chunk of runtime.logs(id, {
            follow: req.follow,
            tail: req.tail,
            timestamps: req.timestamps,
            ...(req.sinceSeconds ? { since: new Date(Date.now() - req.sinceSeconds * 1000) } : {}),
            signal: abort.signal,
          })) {
            if (abort.signal.aborted) break;
            // Awaited: the container's log is read no further than the window lets it be sent.
            await sendOutput(out, chunk, window);
          }
          nc.publish(out, frame(FRAME.end));
        } catch (err) {
          fail(req.session, err);
        } finally {
          stopBeating();
          window.close();
          cancel.unsubscribe();
          acks?.unsubscribe();
        }
      })();
    }
  })();

  // As the kubelet answers kubectl exec: only a running container of the pod can run a
  // command; anything else is "container not found".
  const runningContainer = async (req: ExecRequest): Promise<string> => {
    const notFound = (): TunnelError => new TunnelError('BadRequest', `unable to upgrade connection: container not found (${JSON.stringify(req.container ?? '')})`);
    let id: string;
    try {
      id = await opts.resolve(req.namespace, req.pod, req.container, false);
    } catch (err) {
      if (err instanceof TunnelError && (err.code === 'NotFound' || err.code === 'BadRequest')) throw notFound();
      throw err;
    }
    if ((await runtime.inspectContainer(id)).state !== 'running') throw notFound();
    return id;
  };

  const exec = nc.subscribe(requestSubject(node, 'exec'));
  subs.push(exec);
  void (async () => {
    for await (const m of exec) {
      let req: ExecRequest;
      try {
        req = JSON.parse(Buffer.from(m.data).toString()) as ExecRequest;
      } catch {
        continue;
      }
      void (async () => {
        let session: ExecSession | undefined;
        const window = windowFor(req);
        // Stdin in order, each piece acked once the runtime has taken it: the client sends no
        // further ahead than its window, so a command that reads slowly holds the writer back.
        let stdin = Promise.resolve();
        let stdinTaken = 0;
        const input = nc.subscribe(stdinSubject(node, req.session), {
          callback: (_e, msg) => {
            const f = parseFrame(msg.data);
            if (f.type === FRAME.ack) return window.ack(ackedBytes(f.body));
            const s = session;
            if (!s) return;
            if (f.type === FRAME.stdin) {
              stdin = stdin
                .then(() => s.write(f.body))
                .then(() => {
                  stdinTaken += f.body.length;
                  nc.publish(stdinAckSubject(node, req.session), frame(FRAME.ack, { bytes: stdinTaken }));
                })
                .catch(() => {}); // the session or the connection ended: nobody waits for the ack
            } else if (f.type === FRAME.closeStdin) stdin = stdin.then(() => s.closeStdin()).catch(() => {});
            else if (f.type === FRAME.resize) {
              const { cols, rows } = JSON.parse(Buffer.from(f.body).toString()) as { cols: number; rows: number };
              void s.resize(cols, rows).catch(() => {});
            }
          },
        });
        let closed = false;
        const cancel = nc.subscribe(cancelSubject(node, req.session), {
          max: 1,
          callback: () => {
            closed = true;
            session?.close();
            window.close();
          },
        });
        let stopBeating = (): void => {};
        try {
          const id = await runningContainer(req);
          session = await runtime.exec(id, { command: req.command, stdin: req.stdin, tty: req.tty });
          if (closed) session.close();
          const out = tunnelSubject(node, req.session);
          stopBeating = startSession(out);
          for await (const chunk of session.output) await sendOutput(out, chunk, window);
          nc.publish(out, frame(FRAME.exit, { exitCode: await session.exitCode }));
        } catch (err) {
          fail(req.session, err);
        } finally {
          stopBeating();
          window.close();
          input.unsubscribe();
          cancel.unsubscribe();
        }
      })();
    }
  })();

  return () => {
    for (const s of subs) s.unsubscribe();
  };
}
