// SPDX-License-Identifier: Apache-2.0
import { writeFile } from 'node:fs/promises';
import { run, runChecked } from '@berth/iptables';

/**
 * Creates the device the service CIDR is routed to: a dummy device, or, on kernels built
 * without CONFIG_DUMMY (our Firecracker VMs), a bridge with no ports, which likewise
 * swallows whatever is sent to it. Returns the type used.
 */
export async function ensureServiceDevice(ns: { netns?: string } = {}): Promise<'dummy' | 'bridge'> {
  const existing = await run('ip', ['-d', 'link', 'show', SERVICE_DEVICE], ns);
  if (existing.code === 0) return /\bbridge\b/.test(existing.stdout) ? 'bridge' : 'dummy';
  const dummy = await run('ip', ['link', 'add', SERVICE_DEVICE, 'type', 'dummy'], ns);
  if (dummy.code === 0) return 'dummy';
  const bridge = await run('ip', ['link', 'add', SERVICE_DEVICE, 'type', 'bridge'], ns);
  if (bridge.code === 0) return 'bridge';
  throw new Error(`cannot create ${SERVICE_DEVICE}: dummy: ${dummy.stderr.trim()}; bridge: ${bridge.stderr.trim()}`);
}

/** The device the service CIDR is routed to. */
export const SERVICE_DEVICE = 'berth-svc';

/** Options of setupNode. */
export interface NodeSetupOptions {
  serviceCidr: string;
  localhostNodePorts: boolean;
  /** Run inside this network namespace (tests). */
  netns?: string;
  /** Root of /proc (tests may point elsewhere). */
  procRoot?: string;
}

/**
 * Prepares the node for service traffic: IP forwarding on, route_localnet on only when
 * node ports must answer on 127.0.0.1, and the service CIDR routed to a local dummy
 * device, so a packet to a virtual IP that no rule rewrote is dropped here instead of
 * following the default route off the machine. Idempotent.
 */
export async function setupNode(opts: NodeSetupOptions): Promise<void> {
  const proc = opts.procRoot ?? '/proc';
  const ns = opts.netns ? { netns: opts.netns } : {};
  if (opts.netns) {
    await runChecked('sysctl', ['-qw', 'net.ipv4.ip_forward=1'], ns);
    if (opts.localhostNodePorts) await runChecked('sysctl', ['-qw', 'net.ipv4.conf.all.route_localnet=1'], ns);
  } else {
    await writeFile(`${proc}/sys/net/ipv4/ip_forward`, '1\n');
    if (opts.localhostNodePorts) await writeFile(`${proc}/sys/net/ipv4/conf/all/route_localnet`, '1\n');
  }
  await ensureServiceDevice(ns);
  await runChecked('ip', ['link', 'set', SERVICE_DEVICE, 'up'], ns);
  await runChecked('ip', ['route', 'replace', opts.serviceCidr, 'dev', SERVICE_DEVICE], ns);
}
