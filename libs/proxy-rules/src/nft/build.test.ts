// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from '../build-rules';
import type { ProxyState } from '../proxy-state';
import { slice, svc } from '../test-fixtures';
import { buildNftRuleset } from './build';
import { NFT } from './model';
import { renderNftFull } from './render';

const GOLDEN_DIR = join(import.meta.dirname, '..', '__golden__', 'nft');
const opts: BuildOptions = { nodeIPs: ['192.168.1.10'], clusterCidr: '10.244.0.0/16' };

/** Compares with __golden__/nft/<name>.nft; UPDATE_GOLDEN=1 rewrites the file instead. */
export function golden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, `${name}.nft`);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `missing golden file ${file}: run with UPDATE_GOLDEN=1 and review it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name}.nft differs (UPDATE_GOLDEN=1 to accept the new output)`);
}

function render(state: ProxyState, o: BuildOptions = opts): string {
  return renderNftFull(buildNftRuleset(state, o));
}

describe('buildNftRuleset golden files (full transaction)', () => {
  test('ClusterIP service with 3 endpoints', () => {
    golden(
      'cluster-ip',
      render({
        services: [svc('web', { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] })],
        endpointSlices: [slice('web', [{ name: 'http', port: 8080 }], ['10.244.1.11', '10.244.2.12', '10.244.3.13'])],
      }),
    );
  });

  test('NodePort service', () => {
    golden(
      'node-port',
      render({
        services: [svc('web', { type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080 }] })],
        endpointSlices: [slice('web', [{ port: 80 }], ['10.244.1.11', '10.244.2.12'])],
      }),
    );
  });

  test('services without endpoints are rejected', () => {
    golden(
      'no-endpoints',
      render({
        services: [
          svc('empty', { type: 'NodePort', clusterIP: '10.96.0.12', ports: [{ name: 'http', port: 80, nodePort: 30081 }], externalIPs: ['192.168.1.100'] }),
          svc('no-slice', { clusterIP: '10.96.0.13', ports: [{ port: 53, protocol: 'UDP' }] }),
        ],
        endpointSlices: [slice('empty', [{ name: 'http', port: 8080 }], [])],
      }),
    );
  });

  test('ClientIP session affinity', () => {
    golden(
      'affinity',
      render({
        services: [svc('sticky', { clusterIP: '10.96.0.14', ports: [{ port: 80 }], affinitySeconds: 'default' })],
        endpointSlices: [slice('sticky', [{ port: 80 }], ['10.244.1.11', '10.244.2.12'])],
      }),
    );
  });

  test('multi-port service with named ports resolved per slice', () => {
    golden(
      'multi-port',
      render({
        services: [
          svc('db', {
            namespace: 'shop',
            clusterIP: '10.96.0.15',
            ports: [
              { name: 'mongo', port: 27017, targetPort: 'mongo' },
              { name: 'metrics', port: 9100, targetPort: 'metrics' },
            ],
          }),
        ],
        endpointSlices: [
          slice('db', [{ name: 'mongo', port: 27017 }, { name: 'metrics', port: 9216 }], ['10.244.1.20'], { namespace: 'shop', name: 'db-a' }),
          slice('db', [{ name: 'mongo', port: 27018 }, { name: 'metrics', port: 9217 }], ['10.244.2.21'], { namespace: 'shop', name: 'db-b' }),
        ],
      }),
    );
  });

  test('LoadBalancer service with a status IP and an external IP', () => {
    golden(
      'load-balancer',
      render({
        services: [
          svc('lb', {
            type: 'LoadBalancer',
            clusterIP: '10.96.0.16',
            ports: [{ name: 'http', port: 80, nodePort: 31000 }],
            loadBalancerIPs: ['172.18.255.1'],
            externalIPs: ['192.168.1.200'],
          }),
        ],
        endpointSlices: [slice('lb', [{ name: 'http', port: 8080 }], ['10.244.1.11'])],
      }),
    );
  });

  test('hairpin masquerade, masquerade-all and localhost node ports', () => {
    golden(
      'hairpin-masquerade-all',
      render(
        {
          services: [svc('self', { clusterIP: '10.96.0.17', ports: [{ port: 80 }] })],
          endpointSlices: [slice('self', [{ port: 80 }], ['10.244.1.11'])],
        },
        { ...opts, masqueradeAll: true, localhostNodePorts: true, randomFully: false },
      ),
    );
  });

  test('terminating endpoints: used only when nothing is ready; not-ready ones never', () => {
    golden(
      'terminating',
      render({
        services: [
          svc('rolling', { clusterIP: '10.96.0.19', ports: [{ port: 80 }] }),
          svc('draining', { clusterIP: '10.96.0.20', ports: [{ port: 80 }] }),
          svc('web', { clusterIP: '10.96.0.18', ports: [{ port: 80 }] }),
        ],
        endpointSlices: [
          slice('rolling', [{ port: 80 }], ['10.244.1.11', { ip: '10.244.2.12', ready: false, serving: true, terminating: true }]),
          slice('draining', [{ port: 80 }], [
            { ip: '10.244.3.13', ready: false, serving: true, terminating: true },
            { ip: '10.244.3.14', ready: false, serving: false, terminating: true },
          ]),
          slice('web', [{ port: 80 }], ['10.244.1.21', { ip: '10.244.2.22', ready: false, serving: false }]),
        ],
      }),
    );
  });
});

describe('buildNftRuleset', () => {
  test('headless and ExternalName services get nothing', () => {
    const rs = buildNftRuleset(
      {
        services: [
          svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
          { ...svc('ext', { clusterIP: '', ports: [{ port: 80 }] }), spec: { type: 'ExternalName', externalName: 'example.com' } },
        ],
        endpointSlices: [slice('headless', [{ port: 80 }], ['10.244.1.11'])],
      },
      opts,
    );
    assert.equal([...rs.chains.keys()].filter((c) => c.includes('/')).length, 0);
    for (const s of rs.sets.values()) if (s.name !== NFT.nodePortIPs) assert.equal(s.elements.size, 0, s.name);
  });

  test('slice order does not change the ruleset', () => {
    const s = [svc('web', { clusterIP: '10.96.0.10', ports: [{ port: 80 }] })];
    const a = slice('web', [{ port: 80 }], ['10.244.1.11'], { name: 'a' });
    const b = slice('web', [{ port: 80 }], ['10.244.2.12'], { name: 'b' });
    assert.equal(render({ services: s, endpointSlices: [a, b] }), render({ services: s, endpointSlices: [b, a] }));
  });

  test('until the node addresses are known, node ports match any local address but loopback', () => {
    const rs = buildNftRuleset({ services: [], endpointSlices: [] }, { ...opts, nodeIPs: [] });
    assert.deepEqual(rs.chains.get(NFT.services)?.rules.at(-1), `fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @${NFT.serviceNodePorts}`);
    assert.equal(rs.sets.get(NFT.nodePortIPs)?.elements.size, 0);
  });

  test('a cluster IP or node port claimed twice keeps the first service in name order', () => {
    const rs = buildNftRuleset(
      {
        services: [
          svc('b', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080 }] }),
          svc('a', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080 }] }),
        ],
        endpointSlices: [slice('a', [{ port: 80 }], ['10.244.1.1']), slice('b', [{ port: 80 }], ['10.244.1.2'])],
      },
      opts,
    );
    assert.match(rs.sets.get(NFT.serviceIPs)?.elements.get('10.96.0.10 . tcp . 80')?.value ?? '', /default\/a\//);
    assert.match(rs.sets.get(NFT.serviceNodePorts)?.elements.get('tcp . 30080')?.value ?? '', /default\/a\//);
  });
});
