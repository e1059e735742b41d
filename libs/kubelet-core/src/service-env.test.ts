// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { coreV1 } from '@berth/api-types';
import { serviceEnv, visibleServices } from './service-env';

const svc = (name: string, ns: string, clusterIP: string, ports: coreV1.ServicePortJson[]): coreV1.ServiceJson => ({ metadata: { name, namespace: ns }, spec: { clusterIP, ports } });

describe('service environment variables', () => {
  test('the book\'s GO_DEMO_2_DB_* variables, both styles', () => {
    const env = serviceEnv([svc('go-demo-2-db', 'default', '10.99.149.113', [{ port: 27017, protocol: 'TCP' }])]);
    assert.deepEqual(Object.fromEntries(env), {
      GO_DEMO_2_DB_SERVICE_HOST: '10.99.149.113',
      GO_DEMO_2_DB_SERVICE_PORT: '27017',
      GO_DEMO_2_DB_PORT: 'tcp://10.99.149.113:27017',
      GO_DEMO_2_DB_PORT_27017_TCP: 'tcp://10.99.149.113:27017',
      GO_DEMO_2_DB_PORT_27017_TCP_PROTO: 'tcp',
      GO_DEMO_2_DB_PORT_27017_TCP_PORT: '27017',
      GO_DEMO_2_DB_PORT_27017_TCP_ADDR: '10.99.149.113',
    });
  });

  test('named ports get their own _SERVICE_PORT_<NAME>; headless services give nothing', () => {
    const env = serviceEnv([
      svc('web', 'default', '10.96.0.20', [{ name: 'http', port: 80 }, { name: 'metrics-port', port: 9100, protocol: 'UDP' }]),
      svc('db', 'default', 'None', [{ port: 5432 }]),
    ]);
    assert.equal(env.get('WEB_SERVICE_PORT'), '80');
    assert.equal(env.get('WEB_SERVICE_PORT_HTTP'), '80');
    assert.equal(env.get('WEB_SERVICE_PORT_METRICS_PORT'), '9100');
    assert.equal(env.get('WEB_PORT_9100_UDP'), 'udp://10.96.0.20:9100');
    assert.equal([...env.keys()].some((k) => k.startsWith('DB_')), false);
  });

  test('a pod sees its namespace\'s services and always the kubernetes Service', () => {
    const all: Record<string, coreV1.ServiceJson[]> = {
      default: [svc('kubernetes', 'default', '10.96.0.1', [{ name: 'https', port: 443 }]), svc('other', 'default', '10.96.0.9', [{ port: 1 }])],
      dev: [svc('api', 'dev', '10.96.0.30', [{ port: 8080 }])],
    };
    const names = (p: Parameters<typeof visibleServices>[0]): string[] => visibleServices(p, (ns) => all[ns] ?? []).map((s) => s.metadata?.name ?? '').sort();
    assert.deepEqual(names({ metadata: { namespace: 'dev' } }), ['api', 'kubernetes']);
    assert.deepEqual(names({ metadata: { namespace: 'default' } }), ['kubernetes', 'other']);
    assert.deepEqual(names({ metadata: { namespace: 'dev' }, spec: { enableServiceLinks: false } }), ['kubernetes']);
    assert.deepEqual(names({ metadata: { namespace: 'default' }, spec: { enableServiceLinks: false } }), ['kubernetes']);
  });
});
