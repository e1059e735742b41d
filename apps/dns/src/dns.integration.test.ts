// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
// Integration: a real control plane (etcd, NATS, apiserver), the Endpoints and
// EndpointSlice controllers in this process, and the DNS add-on as a child process,
// queried with node:dns on loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { coreV1 } from '@berth/api-types';
import { InformerFactory, type ApiClient } from '@berth/client';
import { freePort, startControlPlane, type TestControlPlane } from '@berth/testing';
// The controllers' package index is wired by the controller-manager's owner; the folders are complete on their own.
import { EndpointsController } from '../../../libs/controllers/src/endpoints';
import { EndpointSliceController } from '../../../libs/controllers/src/endpointslice';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const PODS = { group: '', version: 'v1', resource: 'pods' };
const SERVICES = { group: '', version: 'v1', resource: 'services' };
const ENDPOINTS = { group: '', version: 'v1', resource: 'endpoints' };
const SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

function pod(name: string, app: string, ports: coreV1.ContainerPortJson[], extra: Partial<coreV1.PodSpecJson> = {}): coreV1.PodJson {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.25', ports }], ...extra },
  };
}

/** Writes what a kubelet would: an IP, Running, and the Ready condition. */
async function setStatus(client: ApiClient, name: string, ip: string, ready: boolean): Promise<void> {
  const p = await client.get<coreV1.PodJson>(PODS, 'default', name);
  p.status = {
    ...p.status,
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
  };
  await client.update(PODS, 'default', p, { subresource: 'status' });
}

async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (ok(v)) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last instanceof Error ? last.message : last)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('cluster DNS against a real control plane', { timeout: 180_000 }, () => {
  let cp: TestControlPlane;
  let client: ReturnType<TestControlPlane['client']>;
  let dns: ChildProcess | undefined;
  const ac = new AbortController();
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  let healthPort = 0;
  const logs: string[] = [];

  before(async () => {
    cp = await startControlPlane();
    client = cp.client();
    const factory = new InformerFactory(client);
    const services = factory.informerFor<coreV1.ServiceJson>(SERVICES);
    const pods = factory.informerFor<coreV1.PodJson>(PODS);
    const endpoints = new EndpointsController({ client, services, pods, endpoints: factory.informerFor(ENDPOINTS) });
    const slices = new EndpointSliceController({ client, services, pods, slices: factory.informerFor(SLICES) });
    factory.start(ac.signal);
    void endpoints.run(ac.signal, 2);
    void slices.run(ac.signal, 2);

    const dnsPort = await freePort();
    healthPort = await freePort();
    dns = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'apps/dns/src/main.ts'), '--apiserver', cp.apiserverAddress, '--insecure', '--listen', `127.0.0.1:${dnsPort}`, '--upstream', 'none', '--health-port', String(healthPort), '--health-host', '127.0.0.1'],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BERTH_LOG_LEVEL: 'warn' } },
    );
    dns.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
    resolver.setServers([`127.0.0.1:${dnsPort}`]);
    await eventually('dns /readyz', async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status, (s) => s === 200, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${logs.join('')}`);
    });
  });

  after(async () => {
    ac.abort();
    if (dns && dns.exitCode === null) {
      dns.kill('SIGTERM');
      await new Promise((r) => dns?.once('exit', r));
    }
    client?.close();
    await cp?.stop();
  });

  test('a ClusterIP service resolves to its ClusterIP; SRV for its named port', async () => {
    const svc = await client.create<coreV1.ServiceJson>(SERVICES, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' }] },
    });
    const clusterIP = svc.spec?.clusterIP ?? '';
    assert.match(clusterIP, /^10\.\d+\.\d+\.\d+$/);
    await client.create(PODS, 'default', pod('web-1', 'web', [{ name: 'web', containerPort: 8080, protocol: 'TCP' }]));
    await setStatus(client, 'web-1', '10.244.0.11', true);

    assert.deepEqual(await eventually('A web', () => resolver.resolve4('web.default.svc.cluster.local'), (v) => v.length === 1), [clusterIP]);
    assert.deepEqual(await resolver.resolveSrv('_http._tcp.web.default.svc.cluster.local'), [{ name: 'web.default.svc.cluster.local', port: 80, priority: 0, weight: 100 }]);
    assert.deepEqual(await resolver.reverse(clusterIP), ['web.default.svc.cluster.local']);
    await assert.rejects(resolver.resolve4('web.kube-system.svc.cluster.local'), { code: 'ENOTFOUND' });
    // The controllers resolved the named port on the pod.
    const ep = await eventually('endpoints', () => client.get<coreV1.EndpointsJson>(ENDPOINTS, 'default', 'web'), (e) => (e.subsets?.length ?? 0) > 0);
    assert.deepEqual(ep.subsets?.[0]?.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  test('a headless service resolves to its ready pods, per-pod hostnames, SRV per pod, and follows readiness', async () => {
    await client.create(SERVICES, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db', namespace: 'default' },
      spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'mongo', port: 27017, protocol: 'TCP', targetPort: 27017 }] },
    });
    for (const [name, ip] of [
      ['db-0', '10.244.1.20'],
      ['db-1', '10.244.2.21'],
    ] as const) {
      await client.create(PODS, 'default', pod(name, 'db', [{ containerPort: 27017, protocol: 'TCP' }], { hostname: name, subdomain: 'db' }));
      await setStatus(client, name, ip, name === 'db-0');
    }
    assert.deepEqual(await eventually('A db', () => resolver.resolve4('db.default.svc.cluster.local'), (v) => v.length === 1), ['10.244.1.20']);
    assert.deepEqual(await resolver.resolve4('db-0.db.default.svc.cluster.local'), ['10.244.1.20']);
    await assert.rejects(resolver.resolve4('db-1.db.default.svc.cluster.local'), { code: 'ENOTFOUND' });

    await setStatus(client, 'db-1', '10.244.2.21', true);
    const both = await eventually('A db (2)', () => resolver.resolve4('db.default.svc.cluster.local'), (v) => v.length === 2);
    assert.deepEqual(both.sort(), ['10.244.1.20', '10.244.2.21']);
    const srv = await resolver.resolveSrv('_mongo._tcp.db.default.svc.cluster.local');
    assert.deepEqual(srv.map((s) => `${s.name}:${s.port}`).sort(), ['db-0.db.default.svc.cluster.local:27017', 'db-1.db.default.svc.cluster.local:27017']);
    assert.deepEqual(await resolver.reverse('10.244.2.21'), ['db-1.db.default.svc.cluster.local']);

    await client.delete(PODS, 'default', 'db-0', { gracePeriodSeconds: 0 });
    assert.deepEqual(await eventually('A db after delete', () => resolver.resolve4('db.default.svc.cluster.local'), (v) => v.length === 1), ['10.244.2.21']);
  });

  test('the EndpointSlice is labelled and owned; names outside the domain are refused; /metrics counts queries', async () => {
    const list = await client.list<{ metadata?: { name?: string; labels?: Record<string, string>; ownerReferences?: Array<{ kind?: string; name?: string }> } } & KubeObject>(SLICES, {
      namespace: 'default',
      labelSelector: 'kubernetes.io/service-name=web',
    });
    assert.equal(list.items.length, 1);
    assert.match(list.items[0]?.metadata?.name ?? '', /^web-[a-z0-9]{5}$/);
    assert.equal(list.items[0]?.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(list.items[0]?.metadata?.ownerReferences?.[0]?.name, 'web');
    await assert.rejects(resolver.resolve4('example.com'), { code: 'EREFUSED' });
    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    assert.match(metrics, /dns_requests_total\{[^}]*type="A"[^}]*rcode="NOERROR"/);
    assert.match(metrics, /dns_requests_total\{[^}]*rcode="NXDOMAIN"/);
    assert.match(metrics, /dns_request_duration_seconds_bucket/);
  });
});
