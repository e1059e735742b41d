// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildRules, probability, type BuildOptions } from './build-rules';
import { endpointChainName, servicePortChainName } from './chain-names';
import { renderRestore } from './render-restore';
import type { ProxyState } from './proxy-state';
import { slice, svc } from './test-fixtures';

const GOLDEN_DIR = join(import.meta.dirname, '__golden__');
const opts: BuildOptions = { nodeIPs: ['192.168.1.10'], clusterCidr: '10.244.0.0/16' };

/** Compares with __golden__/<name>.rules; UPDATE_GOLDEN=1 rewrites the file instead. */
function golden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, `${name}.rules`);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `missing golden file ${file}: run with UPDATE_GOLDEN=1 and review it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name}.rules differs (UPDATE_GOLDEN=1 to accept the new output)`);
}

function render(state: ProxyState, o: BuildOptions = opts): string {
  return renderRestore(buildRules(state, o));
}

describe('chain names', () => {
  test('match kube-proxy for the same service port and endpoint', () => {
    // Values from kube-proxy's own proxier_test.go.
    assert.equal(servicePortChainName('ns1/svc1:p80', 'TCP'), 'KUBE-SVC-XPGD46QRK7WJZT7O');
    assert.equal(endpointChainName('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
  });
  test('probabilities are printed with ten decimals', () => {
    assert.equal(probability(3), '0.3333333333');
    assert.equal(probability(2), '0.5000000000');
  });
});

describe('buildRules golden files', () => {
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
          // A second slice whose pods expose the named port on another number.
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

  test('hairpin masquerade and masquerade-all', () => {
    golden(
      'hairpin-masquerade-all',
      render(
        {
          services: [svc('self', { clusterIP: '10.96.0.17', ports: [{ port: 80 }] })],
          endpointSlices: [slice('self', [{ port: 80 }], ['10.244.1.11'])],
        },
        { ...opts, masqueradeAll: true, localhostNodePorts: true },
      ),
    );
  });

  test('a not-ready endpoint is left out', () => {
    golden(
      'not-ready',
      render({
        services: [svc('web', { clusterIP: '10.96.0.18', ports: [{ port: 80 }] })],
        endpointSlices: [slice('web', [{ port: 80 }], ['10.244.1.11', { ip: '10.244.2.12', ready: false, serving: false }])],
      }),
    );
  });

  test('terminating endpoints: used only when nothing is ready', () => {
    golden(
      'terminating',
      render({
        services: [
          svc('rolling', { clusterIP: '10.96.0.19', ports: [{ port: 80 }] }),
          svc('draining', { clusterIP: '10.96.0.20', ports: [{ port: 80 }] }),
        ],
        endpointSlices: [
          slice('rolling', [{ port: 80 }], ['10.244.1.11', { ip: '10.244.2.12', ready: false, serving: true, terminating: true }]),
          slice('draining', [{ port: 80 }], [
            { ip: '10.244.3.13', ready: false, serving: true, terminating: true },
            { ip: '10.244.3.14', ready: false, serving: false, terminating: true },
          ]),
        ],
      }),
    );
  });
});

describe('buildRules', () => {
  test('headless and ExternalName services get no rules', () => {
    const rs = buildRules(
      {
        services: [
          svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
          { ...svc('ext', { clusterIP: '', ports: [{ port: 80 }] }), spec: { type: 'ExternalName', externalName: 'example.com' } },
        ],
        endpointSlices: [slice('headless', [{ port: 80 }], ['10.244.1.11'])],
      },
      opts,
    );
    assert.deepEqual([...rs.nat.keys()], ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']);
    assert.equal(rs.nat.get('KUBE-SERVICES')?.length, 1, 'only the node-ports jump');
    assert.equal(rs.filter.get('KUBE-SERVICES')?.length, 0);
  });

  test('slice order does not change the rules', () => {
    const s = [svc('web', { clusterIP: '10.96.0.10', ports: [{ port: 80 }] })];
    const a = slice('web', [{ port: 80 }], ['10.244.1.11'], { name: 'a' });
    const b = slice('web', [{ port: 80 }], ['10.244.2.12'], { name: 'b' });
    assert.equal(render({ services: s, endpointSlices: [a, b] }), render({ services: s, endpointSlices: [b, a] }));
  });
});
