// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StatusError, type KubeObject, type ResourceRef } from '@berth/api';
import { MemoryStorage } from '@berth/storage';
import { Registry } from './registry';

const services: ResourceRef = { group: '', version: 'v1', resource: 'services', namespace: 'default', name: '', subresource: '' };
const ctx = {};

function svc(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}
const specOf = (o: KubeObject): { clusterIP?: string; clusterIPs?: string[]; type?: string; ports: { port: number; nodePort?: number }[] } =>
  o['spec'] as never;

async function started(storage = new MemoryStorage(), services: ConstructorParameters<typeof Registry>[0]['services'] = {}): Promise<Registry> {
  const r = new Registry({ storage, services });
  await r.start();
  return r;
}

async function invalidMessage(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError && e.reason === 'Invalid', String(e));
    return e.message;
  }
  assert.fail('expected Invalid');
}

describe('Service IP and port allocation', () => {
  test('the kubernetes Service holds the first IP; others get distinct IPs of 10.96.0.0/12', async () => {
    const r = await started();
    try {
      const k8s = await r.get(ctx, { ...services, name: 'kubernetes' });
      assert.equal(specOf(k8s).clusterIP, '10.96.0.1');
      const ips = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const { object } = await r.create(ctx, services, svc(`s${i}`, {}), {});
        const ip = specOf(object).clusterIP ?? '';
        assert.match(ip, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
        assert.deepEqual(specOf(object).clusterIPs, [ip]);
        ips.add(ip);
      }
      assert.equal(ips.size, 20);
      assert.ok(!ips.has('10.96.0.1'));
    } finally {
      r.stop();
    }
  });

  test('NodePorts: allocated in 30000-32767, requested ones honoured once, out of range refused', async () => {
    const r = await started();
    try {
      const { object } = await r.create(ctx, services, svc('auto', { type: 'NodePort' }), {});
      const port = specOf(object).ports[0]?.nodePort ?? 0;
      assert.ok(port >= 30000 && port <= 32767, String(port));
      await r.create(ctx, services, svc('fixed', { type: 'NodePort', ports: [{ port: 28017, nodePort: 30001 }] }), {});
      assert.equal(
        await invalidMessage(r.create(ctx, services, svc('clash', { type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }] }), {})),
        'Service "clash" is invalid: spec.ports[0].nodePort: Invalid value: 30001: provided port is already allocated',
      );
      assert.equal(
        await invalidMessage(r.create(ctx, services, svc('low', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }), {})),
        'Service "low" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
      );
      // A failed create leaves nothing allocated: its ClusterIP is free again (range of the test is large, so check the port).
      await r.delete(ctx, { ...services, name: 'fixed' }, {});
      const again = await r.create(ctx, services, svc('clash', { type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }] }), {});
      assert.equal(specOf(again.object).ports[0]?.nodePort, 30001, 'freed by the delete');
    } finally {
      r.stop();
    }
  });

  test('updates keep the IP and ports; switching to ClusterIP frees the NodePort', async () => {
    const r = await started();
    try {
      const { object } = await r.create(ctx, services, svc('keep', { type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] }), {});
      const ip = specOf(object).clusterIP;
      const withoutIp = structuredClone(object);
      delete (withoutIp['spec'] as Record<string, unknown>)['clusterIP'];
      delete (withoutIp['spec'] as Record<string, unknown>)['clusterIPs'];
      delete specOf(withoutIp).ports[0]!.nodePort;
      const updated = (await r.update(ctx, { ...services, name: 'keep' }, withoutIp, {})).object;
      assert.equal(specOf(updated).clusterIP, ip);
      assert.equal(specOf(updated).ports[0]?.nodePort, 30100);
      const toClusterIp = structuredClone(updated);
      (toClusterIp['spec'] as Record<string, unknown>)['type'] = 'ClusterIP';
      delete specOf(toClusterIp).ports[0]!.nodePort;
      await r.update(ctx, { ...services, name: 'keep' }, toClusterIp, {});
      await r.create(ctx, services, svc('takes-it', { type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] }), {});
    } finally {
      r.stop();
    }
  });

  test('headless and ExternalName services get no ClusterIP; LoadBalancer gets an external IP from the pool', async () => {
    const r = await started(new MemoryStorage(), { loadBalancerCidr: '192.168.250.0/28' });
    try {
      const headless = (await r.create(ctx, services, svc('db', { clusterIP: 'None' }), {})).object;
      assert.equal(specOf(headless).clusterIP, 'None');
      const ext = (await r.create(ctx, services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } }, {})).object;
      assert.equal(specOf(ext).clusterIP, undefined);
      const lb = (await r.create(ctx, services, svc('lb', { type: 'LoadBalancer' }), {})).object;
      const ingress = (lb['status'] as { loadBalancer: { ingress: { ip: string }[] } }).loadBalancer.ingress[0]?.ip ?? '';
      assert.match(ingress, /^192\.168\.250\.([1-9]|1[0-4])$/);
      assert.ok((specOf(lb).ports[0]?.nodePort ?? 0) >= 30000);
    } finally {
      r.stop();
    }
  });

  test('two apiserver replicas on one store never hand out the same IP', async () => {
    const storage = new MemoryStorage();
    const opts = { serviceCidr: '10.96.0.0/27' };
    const a = await started(storage, opts);
    const b = await started(storage, opts);
    try {
      // 32 addresses: network, kubernetes, broadcast → 29 for services.
      const results = await Promise.allSettled(
        Array.from({ length: 32 }, (_, i) => (i % 2 ? a : b).create(ctx, services, svc(`r${i}`, {}), {})),
      );
      const ips = results.flatMap((res) => (res.status === 'fulfilled' ? [specOf(res.value.object).clusterIP] : []));
      assert.equal(ips.length, 29);
      assert.equal(new Set(ips).size, 29);
      const failures = results.filter((res) => res.status === 'rejected');
      assert.equal(failures.length, 3);
      assert.match(String((failures[0] as PromiseRejectedResult).reason.message), /failed to allocate a serviceIP: range is full/);
    } finally {
      a.stop();
      b.stop();
    }
  });
});
