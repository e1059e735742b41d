// SPDX-License-Identifier: Apache-2.0
import { badRequest, internalError, newStatusError, type ExecInput, type ExecOutput, StatusError } from '@berth/api';
import type { NatsConnection } from '@berth/events';
import { NodeTunnelClient, TunnelRequestError, type TunnelExec } from '@berth/node-tunnel';
import type { NodeExecSource } from '@berth/registry';

/**
 * Exec sessions on kubelets over the NATS tunnel, beside the logs (node-logs.ts): the
 * command starts on the node, `input` is relayed to it, its output comes back, the exit
 * code last. The kubelet's failures become the API's errors: BadRequest for a container
 * it cannot run the command in (Kubernetes' "unable to upgrade connection: container not
 * found"), ServiceUnavailable for a node that does not answer, InternalError for a
 * runtime failure.
 */
export function natsNodeExec(nc: NatsConnection, opts: { readyTimeoutMs?: number } = {}): NodeExecSource {
  const tunnel = new NodeTunnelClient(nc, opts);
  return {
    async *exec(node, req, input, signal): AsyncIterable<ExecOutput> {
      let session: TunnelExec;
      try {
        session = await tunnel.exec(node, req);
      } catch (e) {
        throw statusOf(node, req.container, e);
      }
      // `finished`: the exit code arrived, or the session was cut; either way input stops.
      let finished = false;
      const cancel = (): void => {
        if (finished) return;
        finished = true;
        session.cancel();
      };
      signal?.addEventListener('abort', cancel, { once: true });
      if (signal?.aborted) cancel();
      void (async () => {
        for await (const m of input) {
          if (finished) return;
          // Awaited: stdin is read from the client no faster than the command takes it.
          await relay(session, m);
        }
      })().catch(cancel);
      try {
        for await (const chunk of untilAborted(session.output, signal)) yield { type: chunk.stream, data: chunk.data };
        if (signal?.aborted) return;
        const exitCode = await session.exitCode;
        finished = true;
        yield { type: 'exit', exitCode };
      } catch (e) {
        if (signal?.aborted) return;
        throw statusOf(node, req.container, e);
      } finally {
        signal?.removeEventListener('abort', cancel);
        // Left early (the client went away, or the consumer stopped reading): kill it on the node.
        cancel();
      }
    },
  };
}

async function relay(session: TunnelExec, m: ExecInput): Promise<void> {
  if (m.type === 'stdin') await session.write(m.data);
  else if (m.type === 'closeStdin') session.closeStdin();
  else session.resize(m.cols, m.rows);
}

/** The items of `source` until `signal` aborts: a node that went away must not hold the call. */
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncIterable<T> {
  if (!signal) return yield* source;
  const it = source[Symbol.asyncIterator]();
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  try {
    for (;;) {
      const next = it.next();
      next.catch(() => {});
      const r = await Promise.race([next, aborted]);
      if (r === 'aborted' || r.done) return;
      yield r.value;
    }
  } finally {
    void it.return?.()?.catch?.(() => {});
  }
}

function statusOf(node: string, container: string, e: unknown): StatusError | unknown {
  if (e instanceof StatusError || !(e instanceof TunnelRequestError)) return e;
  if (e.code === 'Unavailable') return newStatusError('ServiceUnavailable', `node ${node} did not answer: ${e.message}`);
  if (e.code === 'NotFound') return badRequest(`unable to upgrade connection: container not found (${JSON.stringify(container)})`);
  if (e.code === 'InternalError') return internalError(`error executing command in container: ${e.message}`);
  return badRequest(e.message);
}
