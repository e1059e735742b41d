// SPDX-License-Identifier: Apache-2.0
import type { ContainerRuntime } from '@berth/runtime';
import type { coreV1 } from '@berth/api-types';
import { execInContainer, httpGet, httpGetRequest, resolvePort, tcpConnect } from './handler-runner';
import type { Container } from './types';

/** The outcome of one probe run. */
export interface ProbeResult {
  ok: boolean;
  /** Why it failed, in Kubernetes' words (e.g. "HTTP probe failed with statuscode: 404"). */
  message: string;
}

/** Where a probe runs: the pod IP and the container (for exec and named ports). */
export interface ProbeTarget {
  podIP: string;
  containerId: string;
  container: Container;
}

/** Runs one probe; the I/O seam of probing (tests inject a fake). */
export interface Prober {
  probe(probe: coreV1.ProbeJson, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult>;
}

/** Resolves a probe's port: a number, or the name of one of the container's ports. */
export const probePort = resolvePort;

/** The real prober: HTTP(S) GET against the pod IP, TCP connect, exec through the runtime. */
export class NetworkProber implements Prober {
  constructor(private readonly runtime: ContainerRuntime) {}

  async probe(p: coreV1.ProbeJson, t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
    if (p.exec) {
      const command = p.exec.command ?? [];
      const r = await execInContainer(this.runtime, t.containerId, command, timeoutMs);
      if (r.error) return { ok: false, message: r.error };
      if (r.timedOut) return { ok: false, message: `command ${JSON.stringify(command.join(' '))} timed out` };
      return r.exitCode === 0 ? { ok: true, message: '' } : { ok: false, message: r.output.trim() || `command exited with ${r.exitCode}` };
    }
    if (p.httpGet) {
      const req = httpGetRequest(p.httpGet, t.podIP, t.container, 'probe');
      if (!('url' in req)) return { ok: false, message: `invalid port ${JSON.stringify(p.httpGet.port)}` };
      const r = await httpGet(req, { timeoutMs });
      if (r.error !== undefined) return { ok: false, message: r.error };
      if (r.statusCode >= 200 && r.statusCode < 400) return { ok: true, message: '' };
      return { ok: false, message: `HTTP probe failed with statuscode: ${r.statusCode}` };
    }
    if (p.tcpSocket) {
      const port = resolvePort(p.tcpSocket.port, t.container);
      if (!port) return { ok: false, message: `invalid port ${JSON.stringify(p.tcpSocket.port)}` };
      const r = await tcpConnect(p.tcpSocket.host || t.podIP, port, timeoutMs);
      return r.error === undefined ? { ok: true, message: '' } : { ok: false, message: r.error };
    }
    return { ok: false, message: 'probe has no handler' };
  }
}
