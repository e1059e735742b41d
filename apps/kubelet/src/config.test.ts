// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileKubeletConfig, ConfigError } from './config';

describe('kubelet config', () => {
  test('defaults', () => {
    const c = compileKubeletConfig(['--insecure', '--node-name', 'Node1'], {});
    assert.equal(c.nodeName, 'node1');
    assert.deepEqual(c.apiservers, ['127.0.0.1:6443']);
    assert.deepEqual(c.clusterDNS, ['10.96.0.10']);
    assert.equal(c.runtime, 'docker');
    assert.equal(c.dockerHost, '/var/run/docker.sock');
    assert.equal(c.rootDir, '/var/lib/berth/kubelet/node1');
    assert.equal(c.maxPods, 110);
    assert.equal(c.tls, undefined);
    assert.equal(c.podRoutes, false);
    assert.equal(c.clusterCIDR, '10.244.0.0/16');
  });

  test('--pod-routes and --cluster-cidr (flags, or BERTH_POD_ROUTES / BERTH_CLUSTER_CIDR)', () => {
    const c = compileKubeletConfig(['--insecure', '--pod-routes', '--cluster-cidr', '10.32.0.0/12'], {});
    assert.equal(c.podRoutes, true);
    assert.equal(c.clusterCIDR, '10.32.0.0/12');
    const e = compileKubeletConfig(['--insecure'], { BERTH_POD_ROUTES: 'true', BERTH_CLUSTER_CIDR: '192.168.0.0/16' });
    assert.equal(e.podRoutes, true);
    assert.equal(e.clusterCIDR, '192.168.0.0/16');
    assert.equal(compileKubeletConfig(['--insecure'], { BERTH_POD_ROUTES: 'yes' }).podRoutes, false);
    // The flag wins over the environment.
    assert.equal(compileKubeletConfig(['--insecure', '--cluster-cidr', '10.244.0.0/16'], { BERTH_CLUSTER_CIDR: '10.0.0.0/8' }).clusterCIDR, '10.244.0.0/16');
  });

  test('--cluster-cidr must be an IPv4 network', () => {
    for (const bad of ['10.244.0.0', '10.244.0.0/33', '10.244.1.0/16', '300.0.0.0/8', '10.244.0.0/016', 'fd00::/64', '']) {
      assert.throws(() => compileKubeletConfig(['--insecure', '--cluster-cidr', bad], {}), (err: unknown) => err instanceof ConfigError && /^--cluster-cidr: invalid CIDR/.test(err.message), bad);
    }
    assert.throws(() => compileKubeletConfig(['--insecure', '--pod-routes=yes'], {}), /--pod-routes/);
  });

  test('flags override; docker-host accepts unix:// URLs; labels parse', () => {
    const c = compileKubeletConfig(
      ['--apiserver', '127.0.0.1:7000', '--insecure', '--node-name', 'n2', '--pod-cidr', '10.244.2.0/24', '--docker-host', 'unix:///run/n2.sock', '--runtime', 'memory', '--cpu', '4', '--memory', '8Gi', '--max-pods', '50', '--node-role', 'worker', '--node-labels', 'a=b,c=d'],
      {},
    );
    assert.equal(c.podCIDR, '10.244.2.0/24');
    assert.equal(c.dockerHost, '/run/n2.sock');
    assert.equal(c.runtime, 'memory');
    assert.equal(c.cpu, '4');
    assert.equal(c.maxPods, 50);
    assert.equal(c.nodeRole, 'worker');
    assert.deepEqual(c.nodeLabels, { a: 'b', c: 'd' });
  });

  test('bad input is refused with the flag name', () => {
    assert.throws(() => compileKubeletConfig(['--node-name', 'n'], {}), /--ca-file is required/);
    assert.throws(() => compileKubeletConfig(['--insecure', '--apiserver', '10.0.0.1:6443'], {}), /loopback/);
    assert.throws(() => compileKubeletConfig(['--insecure', '--runtime', 'rkt'], {}), ConfigError);
    assert.throws(() => compileKubeletConfig(['--insecure', '--pod-cidr', 'x'], {}), /--pod-cidr/);
    assert.throws(() => compileKubeletConfig(['--insecure', '--max-pods', '0'], {}), /--max-pods/);
    assert.throws(() => compileKubeletConfig(['--insecure', '--node-name', 'bad_name'], {}), /--node-name/);
  });
});
