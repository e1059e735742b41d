// SPDX-License-Identifier: Apache-2.0
/**
 * Container lifecycle hooks as the kubelet runs them (pkg/kubelet/lifecycle/handlers.go,
 * executePreStopHook in pkg/kubelet/kuberuntime/kuberuntime_container.go):
 *
 * - a handler is an exec in the container, an HTTP GET (any response counts as success;
 *   only a failed request fails the hook), or `sleep: {seconds}`; tcpSocket is accepted by
 *   the API for compatibility but the kubelet cannot run it, so such a hook always fails;
 * - postStart runs right after the container started, without a timeout (the caller's
 *   signal cuts it short when the pod is being deleted);
 * - preStop runs within the termination grace period: the kubelet waits for it at most
 *   that long and deducts the whole seconds it took. Its failure is a FailedPreStopHook
 *   event whose message is only "PreStopHook failed" (the output could hold secrets).
 *
 * The failure messages are Kubernetes' ("Exec lifecycle hook ([...]) for Container ... failed
 * - error: ..., message: ..."): the pod worker reports a postStart failure's in the
 * container's waiting state (PostStartHookError), never in an event.
 */
import type { coreV1 } from '@berth/api-types';
import type { ContainerRuntime } from '@berth/runtime';
import { execInContainer, httpGet, httpGetRequest, NO_TIMEOUT_MS, type HttpGetRequest } from './handler-runner';
import type { Container, KubeletRecorder, Pod } from './types';

/** Where a hook runs. */
export interface HookTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  /** The pod IP: an httpGet's host when it names none ('' when the pod has no network). */
  podIP: string;
}

/** The outcome of one hook run; `message` is Kubernetes' failure message. */
export interface HookResult {
  ok: boolean;
  message: string;
  /** The caller's signal ended the wait before the hook did. */
  interrupted?: boolean;
}

export class LifecycleHooks {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly recorder: KubeletRecorder,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs the container's postStart hook to its end (no timeout) or until `signal` aborts. */
  async postStart(t: HookTarget, signal: AbortSignal): Promise<HookResult> {
    const handler = t.container.lifecycle?.postStart;
    if (!handler) return { ok: true, message: '' };
    return this.run(handler, t, { signal });
  }

  /**
   * executePreStopHook: runs the container's preStop hook and waits for it at most
   * `graceSeconds`; returns the whole seconds that took, for the caller to deduct from
   * the grace period. A failure, whenever it comes, is a FailedPreStopHook event. A sleep
   * is cut short when the grace period ends (that is no failure).
   */
  async preStop(t: HookTarget, graceSeconds: number): Promise<number> {
    const handler = t.container.lifecycle?.preStop;
    if (!handler || graceSeconds <= 0) return 0;
    const start = this.now();
    const graceMs = graceSeconds * 1000;
    const done = this.run(handler, t, { timeoutMs: graceMs }).then((r) => {
      if (!r.ok) this.recorder.event(t.pod, 'Warning', 'FailedPreStopHook', 'PreStopHook failed');
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    return Math.floor((this.now() - start) / 1000);
  }

  /**
   * handlerRunner.Run: one handler against one container. `timeoutMs` bounds an exec, an
   * HTTP request and a sleep (default: none); `signal` stops waiting for any of them.
   */
  async run(h: coreV1.LifecycleHandlerJson, t: HookTarget, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<HookResult> {
    const action = this.action(h, t, opts).catch((err: unknown) => ({ ok: false, message: `Cannot run handler: ${err instanceof Error ? err.message : String(err)}` }));
    const signal = opts.signal;
    if (!signal) return action;
    if (signal.aborted) return { ok: false, message: 'context canceled', interrupted: true };
    let onAbort = (): void => {};
    const aborted = new Promise<HookResult>((resolve) => {
      onAbort = () => resolve({ ok: false, message: 'context canceled', interrupted: true });
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([action, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async action(h: coreV1.LifecycleHandlerJson, t: HookTarget, opts: { timeoutMs?: number; signal?: AbortSignal }): Promise<HookResult> {
    const where = `for Container ${JSON.stringify(t.container.name ?? '')} in Pod ${JSON.stringify(formatPod(t.pod))}`;
    if (h.exec) {
      const command = h.exec.command ?? [];
      const r = await execInContainer(this.runtime, t.containerId, command, opts.timeoutMs ?? NO_TIMEOUT_MS);
      let error: string | undefined = r.error;
      if (!error && r.timedOut) error = `command ${JSON.stringify(command.join(' '))} timed out`;
      // CRI's ExecSync error carries stderr; this runtime returns one combined output, in `message`.
      if (!error && r.exitCode !== 0) error = `command '${command.join(' ')}' exited with ${r.exitCode}: `;
      if (!error) return { ok: true, message: '' };
      return { ok: false, message: `Exec lifecycle hook ([${command.join(' ')}]) ${where} failed - error: ${error}, message: ${JSON.stringify(r.output)}` };
    }
    if (h.httpGet) {
      const error = await this.httpHook(h.httpGet, t, opts);
      if (error === undefined) return { ok: true, message: '' };
      return { ok: false, message: `HTTP lifecycle hook (${h.httpGet.path ?? ''}) ${where} failed - error: ${error}` };
    }
    if (h.sleep) {
      const seconds = h.sleep.seconds ?? 0;
      const finished = await sleep(Math.min(seconds * 1000, opts.timeoutMs ?? Infinity), opts.signal);
      if (finished) return { ok: true, message: '' };
      return { ok: false, message: `Sleep lifecycle hook (${seconds}) ${where} failed - error: container terminated before sleep hook finished`, interrupted: true };
    }
    return { ok: false, message: `Cannot run handler: invalid handler: ${goHandler(h)}` };
  }

  /** runHTTPHandler: the GET, and once more over plain HTTP when an HTTPS hook got an HTTP answer. Returns the error, if any. */
  private async httpHook(a: coreV1.HTTPGetActionJson, t: HookTarget, opts: { timeoutMs?: number; signal?: AbortSignal }): Promise<string | undefined> {
    if (!a.host && !t.podIP) return 'failed to find networking container';
    const req = httpGetRequest(a, t.podIP, t.container, 'lifecycle');
    if (!('url' in req)) {
      const p = a.port;
      return typeof p === 'string' && !/^\d+$/.test(p) ? `strconv.Atoi: parsing ${JSON.stringify(p)}: invalid syntax` : `invalid port number: ${String(p)}`;
    }
    const r = await httpGet(req, opts);
    if (r.error === undefined) return undefined;
    if (!r.httpResponseToHttps) return r.error;
    const plain: HttpGetRequest = {
      ...req,
      url: req.url.replace(/^https:/, 'http:'),
      headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.toLowerCase() !== 'authorization')),
    };
    const retry = await httpGet(plain, opts);
    if (retry.error !== undefined) return r.error;
    this.recorder.event(t.pod, 'Warning', 'LifecycleHTTPFallback', `request to HTTPS lifecycle hook ${req.host} got HTTP response, retry with HTTP succeeded`);
    return undefined;
  }
}

/** Kubernetes' format.Pod: name_namespace(uid). */
function formatPod(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}

/** A handler as Go's generated String() prints it (the only handler that gets here is a tcpSocket one). */
function goHandler(h: coreV1.LifecycleHandlerJson): string {
  const tcp = h.tcpSocket ? `&TCPSocketAction{Port:${String(h.tcpSocket.port ?? 0)},Host:${h.tcpSocket.host ?? ''},}` : 'nil';
  return `&LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:${tcp},Sleep:nil,}`;
}

/** Resolves true after ms, false when the signal aborts first. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
