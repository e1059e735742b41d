// SPDX-License-Identifier: Apache-2.0
// The builder tests both proxy modes share: the same states, each rendered to the mode's own
// golden text, and what either builder must do whatever language it writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BuildOptions } from './build-rules';
import type { Golden } from './golden.fixture';
import type { ProxyState } from './proxy-state';
import { BUILD_OPTIONS, slice, svc } from './test-fixtures';

/** A state (and options beyond BUILD_OPTIONS) whose rendering must equal the golden file `name`. */
export interface GoldenCase {
  name: string;
  title: string;
  state: ProxyState;
  options?: Partial<BuildOptions>;
}

/** What the build tests need of a mode. */
export interface BuildMode {
  /** The full output for a state: iptables-restore text or an nft -f transaction. */
  render(state: ProxyState, options: BuildOptions): string;
  golden: Golden;
}

/** Cases both modes render, each to a golden file of the same name in its own language. */
export const GOLDEN_CASES: readonly GoldenCase[] = [
  {
    name: 'cluster-ip',
    title: 'ClusterIP service with 3 endpoints',
    state: {
      services: [svc('web', { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] })],
      endpointSlices: [slice('web', [{ name: 'http', port: 8080 }], ['10.244.1.11', '10.244.2.12', '10.244.3.13'])],
    },
  },
  {
    name: 'node-port',
    title: 'NodePort service',
    state: {
      services: [svc('web', { type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080 }] })],
      endpointSlices: [slice('web', [{ port: 80 }], ['10.244.1.11', '10.244.2.12'])],
    },
  },
  {
    name: 'no-endpoints',
    title: 'services without endpoints are rejected',
    state: {
      services: [
        svc('empty', { type: 'NodePort', clusterIP: '10.96.0.12', ports: [{ name: 'http', port: 80, nodePort: 30081 }], externalIPs: ['192.168.1.100'] }),
        svc('no-slice', { clusterIP: '10.96.0.13', ports: [{ port: 53, protocol: 'UDP' }] }),
      ],
      endpointSlices: [slice('empty', [{ name: 'http', port: 8080 }], [])],
    },
  },
  {
    name: 'affinity',
    title: 'ClientIP session affinity',
    state: {
      services: [svc('sticky', { clusterIP: '10.96.0.14', ports: [{ port: 80 }], affinitySeconds: 'default' })],
      endpointSlices: [slice('sticky', [{ port: 80 }], ['10.244.1.11', '10.244.2.12'])],
    },
  },
  {
    name: 'multi-port',
    title: 'multi-port service with named ports resolved per slice',
    state: {
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
    },
  },
  {
    name: 'load-balancer',
    title: 'LoadBalancer service with a status IP and an external IP',
    state: {
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
    },
  },
];

/** An endpoint reaching its own service; each mode's golden file adds the options it checks with it. */
export const HAIRPIN_STATE: ProxyState = {
  services: [svc('self', { clusterIP: '10.96.0.17', ports: [{ port: 80 }] })],
  endpointSlices: [slice('self', [{ port: 80 }], ['10.244.1.11'])],
};

/** A rolling update (ready and terminating endpoints) and a service with terminating endpoints only. */
export const TERMINATING_STATE: ProxyState = {
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
};

/** Services the proxy has nothing to do for: headless (endpoints but no cluster IP) and ExternalName (DNS only). */
export const HEADLESS_STATE: ProxyState = {
  services: [
    svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
    { ...svc('ext', { clusterIP: '', ports: [{ port: 80 }] }), spec: { type: 'ExternalName', externalName: 'example.com' } },
  ],
  endpointSlices: [slice('headless', [{ port: 80 }], ['10.244.1.11'])],
};

/** A test per case, comparing the mode's rendering with its golden file. Call inside a describe. */
export function goldenTests(mode: BuildMode, cases: readonly GoldenCase[]): void {
  for (const c of cases) test(c.title, () => mode.golden(c.name, mode.render(c.state, { ...BUILD_OPTIONS, ...c.options })));
}

/** What every mode's builder must do, whatever it writes. Call inside a describe. */
export function buildContract(mode: BuildMode): void {
  test('slice order does not change the output', () => {
    const s = [svc('web', { clusterIP: '10.96.0.10', ports: [{ port: 80 }] })];
    const a = slice('web', [{ port: 80 }], ['10.244.1.11'], { name: 'a' });
    const b = slice('web', [{ port: 80 }], ['10.244.2.12'], { name: 'b' });
    assert.equal(mode.render({ services: s, endpointSlices: [a, b] }, BUILD_OPTIONS), mode.render({ services: s, endpointSlices: [b, a] }, BUILD_OPTIONS));
  });
}
