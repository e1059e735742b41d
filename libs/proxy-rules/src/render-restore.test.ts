// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRules, type BuildOptions } from './build-rules';
import { diffRuleSets, renderRestore } from './render-restore';
import type { ProxyState } from './proxy-state';
import { slice, svc } from './test-fixtures';

const opts: BuildOptions = { nodeIPs: ['192.168.1.10'], clusterCidr: '10.244.0.0/16' };

function state(webEndpoints: string[], extra = false): ProxyState {
  return {
    services: [
      svc('web', { clusterIP: '10.96.0.10', ports: [{ port: 80 }] }),
      svc('api', { clusterIP: '10.96.0.11', ports: [{ port: 80 }] }),
      ...(extra ? [svc('new', { clusterIP: '10.96.0.12', ports: [{ port: 80 }] })] : []),
    ],
    endpointSlices: [
      slice('web', [{ port: 80 }], webEndpoints),
      slice('api', [{ port: 80 }], ['10.244.9.9']),
      ...(extra ? [slice('new', [{ port: 80 }], ['10.244.8.8'])] : []),
    ],
  };
}

describe('diffRuleSets + renderRestore', () => {
  test('nothing changed: nothing to write', () => {
    const a = buildRules(state(['10.244.1.1', '10.244.1.2']), opts);
    const b = buildRules(state(['10.244.1.1', '10.244.1.2']), opts);
    const d = diffRuleSets(a, b);
    assert.equal(d.changedChains.size + d.deletedChains.size, 0);
    assert.equal(renderRestore(b, d), '');
  });

  test('an endpoint change rewrites its service chain, adds and deletes endpoint chains, and leaves KUBE-SERVICES alone', () => {
    const a = buildRules(state(['10.244.1.1', '10.244.1.2']), opts);
    const b = buildRules(state(['10.244.1.1', '10.244.1.3']), opts);
    const d = diffRuleSets(a, b);
    const changed = [...d.changedChains].map((k) => k.replace(/-[A-Z2-7]{16}$/, ''));
    assert.deepEqual(changed.sort(), ['nat:KUBE-SEP', 'nat:KUBE-SVC']);
    assert.equal(d.deletedChains.size, 1);
    const text = renderRestore(b, d);
    assert.doesNotMatch(text, /\*filter/);
    assert.doesNotMatch(text, /KUBE-SERVICES/);
    assert.match(text, /--to-destination 10\.244\.1\.3:80/);
    const [deleted] = [...d.deletedChains];
    const chain = (deleted ?? '').slice('nat:'.length);
    // The stale chain is declared (flushed) before it is deleted, and deleted after the rules.
    assert.ok(text.indexOf(`:${chain} - [0:0]`) < text.indexOf(`-X ${chain}`));
    assert.ok(text.lastIndexOf('-A ') < text.indexOf(`-X ${chain}`));
    assert.match(text, /COMMIT\n$/);
  });

  test('a new service rewrites KUBE-SERVICES', () => {
    const a = buildRules(state(['10.244.1.1']), opts);
    const b = buildRules(state(['10.244.1.1'], true), opts);
    const text = renderRestore(b, diffRuleSets(a, b));
    assert.match(text, /^:KUBE-SERVICES - \[0:0\]$/m);
    assert.match(text, /-A KUBE-SERVICES -d 10\.96\.0\.12\/32/);
  });

  test('losing every endpoint moves the service from nat to a filter REJECT', () => {
    const a = buildRules(state(['10.244.1.1']), opts);
    const b = buildRules(state([]), opts);
    const d = diffRuleSets(a, b);
    assert.ok(d.changedChains.has('filter:KUBE-SERVICES'));
    assert.ok(d.changedChains.has('nat:KUBE-SERVICES'));
    assert.equal(d.deletedChains.size, 2, 'the SVC and its one SEP chain');
    assert.match(renderRestore(b, d), /default\/web has no endpoints/);
  });

  test('a full render declares every chain of both tables', () => {
    const text = renderRestore(buildRules(state(['10.244.1.1']), opts));
    assert.match(text, /^\*filter\n:KUBE-SERVICES - \[0:0\]\n:KUBE-EXTERNAL-SERVICES - \[0:0\]\n:KUBE-FORWARD/);
    assert.equal((text.match(/^COMMIT$/gm) ?? []).length, 2);
  });
});
