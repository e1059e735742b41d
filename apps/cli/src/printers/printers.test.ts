// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { coreV1 } from '@berth/api-types';
import {
  evaluateJsonPath, executeJsonPath, formatTable, parseOutputFlag, podCells, printCustomColumns, printObjects, translateTimestampSince,
} from './index';
import { toKubectlYaml } from './yaml';

const NOW = new Date('2018-03-01T12:00:00Z');
const ago = (s: number): string => new Date(NOW.getTime() - s * 1000).toISOString();

describe('tabwriter', () => {
  test('pads every column but the last to its widest cell plus 3, at least 6', () => {
    assert.equal(formatTable([['NAME', 'AGE'], ['db', '5m']]), 'NAME   AGE\ndb     5m\n');
    assert.equal(formatTable([['A', 'B', 'C'], ['longer-name', 'x', 'y']]), 'A             B     C\nlonger-name   x     y\n');
  });
  test('counts runes, not bytes', () => {
    assert.equal(formatTable([['é', 'x'], ['ab', 'y']]), 'é     x\nab    y\n');
  });
});

describe('AGE', () => {
  const cases: [number | undefined, string][] = [
    [undefined, '<unknown>'], [0, '0s'], [45, '45s'], [119, '119s'], [303, '5m3s'], [600, '10m'], [3660, '61m'],
    [3 * 3600 + 60, '3h1m'], [47 * 3600, '47h'], [49 * 3600, '2d1h'], [400 * 86400, '400d'], [-1, '0s'], [-5, '<invalid>'],
  ];
  for (const [secs, want] of cases) {
    test(`${String(secs)}s ago → ${want}`, () => assert.equal(translateTimestampSince(secs === undefined ? undefined : ago(secs), NOW), want));
  }
});

describe('pod STATUS, READY, RESTARTS', () => {
  const pod = (status: coreV1.PodStatusJson, spec: coreV1.PodSpecJson = { containers: [{ name: 'c' }] }, deletion?: string): coreV1.PodJson => ({
    metadata: { name: 'p', ...(deletion ? { deletionTimestamp: deletion } : {}) }, spec, status,
  });
  const cases: [string, coreV1.PodJson, string, string, string][] = [
    ['pending without statuses', pod({ phase: 'Pending' }), 'Pending', '0/1', '0'],
    ['container creating', pod({ phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }] }), 'ContainerCreating', '0/1', '0'],
    ['running and ready', pod({ phase: 'Running', containerStatuses: [{ name: 'c', ready: true, state: { running: {} } }] }), 'Running', '1/1', '0'],
    ['image pull error', pod({ phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ErrImagePull' } } }] }), 'ErrImagePull', '0/1', '0'],
    ['image pull backoff', pod({ phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ImagePullBackOff' } } }] }), 'ImagePullBackOff', '0/1', '0'],
    [
      'crash loop with last termination',
      pod({ phase: 'Running', containerStatuses: [{ name: 'c', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(120) } } }] }),
      'CrashLoopBackOff', '0/1', '4 (2m ago)',
    ],
    ['OOMKilled', pod({ phase: 'Running', containerStatuses: [{ name: 'c', restartCount: 1, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] }), 'OOMKilled', '0/1', '1'],
    ['completed', pod({ phase: 'Succeeded', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }), 'Completed', '0/1', '0'],
    ['error exit', pod({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 2, reason: 'Error' } } }] }), 'Error', '0/1', '0'],
    ['exit code without reason', pod({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 3 } } }] }), 'ExitCode:3', '0/1', '0'],
    ['signal without reason', pod({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, signal: 9 } } }] }), 'Signal:9', '0/1', '0'],
    [
      'init container running',
      pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { running: {} } }] }, { initContainers: [{ name: 'i' }], containers: [{ name: 'c' }] }),
      'Init:0/1', '0/1', '0',
    ],
    [
      'init container failing',
      pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, { initContainers: [{ name: 'i' }], containers: [{ name: 'c' }] }),
      'Init:CrashLoopBackOff', '0/1', '2',
    ],
    [
      'init container error',
      pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, { initContainers: [{ name: 'i' }], containers: [{ name: 'c' }] }),
      'Init:Error', '0/1', '0',
    ],
    [
      'pod initializing',
      pod(
        { phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { terminated: { exitCode: 0, reason: 'Completed' } } }], containerStatuses: [{ name: 'c', state: { waiting: { reason: 'PodInitializing' } } }] },
        { initContainers: [{ name: 'i' }], containers: [{ name: 'c' }] },
      ),
      'PodInitializing', '0/1', '0',
    ],
    ['terminating', pod({ phase: 'Running', containerStatuses: [{ name: 'c', ready: true, state: { running: {} } }] }, undefined, ago(5)), 'Terminating', '1/1', '0'],
    ['node lost', pod({ phase: 'Running', reason: 'NodeLost' }, undefined, ago(5)), 'Unknown', '0/1', '0'],
    ['evicted', pod({ phase: 'Failed', reason: 'Evicted' }), 'Evicted', '0/1', '0'],
    [
      'completed but a container still running and ready',
      pod(
        { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'b', ready: true, state: { running: {} } }] },
        { containers: [{ name: 'a' }, { name: 'b' }] },
      ),
      'Running', '1/2', '0',
    ],
    [
      'sidecar init container counts as a container',
      pod(
        { phase: 'Running', initContainerStatuses: [{ name: 's', started: true, ready: true, state: { running: {} } }], containerStatuses: [{ name: 'c', ready: true, state: { running: {} } }] },
        { initContainers: [{ name: 's', restartPolicy: 'Always' }], containers: [{ name: 'c' }] },
      ),
      'Running', '2/2', '0',
    ],
  ];
  for (const [name, p, status, ready, restarts] of cases) {
    test(name, () => {
      const c = podCells(p, NOW);
      assert.deepEqual([c.status, c.ready, c.restarts], [status, ready, restarts]);
    });
  }
});

// Cases ported from k8s.io/client-go/util/jsonpath/jsonpath_test.go.
describe('jsonpath', () => {
  const types = {
    bools: [true, false, true, false], integers: [1, 2, 3, 4], floats: [1.0, 2.2, 3.3, 4.0], strings: ['one', 'two', 'three', 'four'],
    interfaces: [true, 'one', 1, 1.1],
    maps: [{ name: 'one', value: 1 }, { name: 'two', value: 2.02 }, { name: 'three', value: 3.03 }, { name: 'four', value: 4.04 }],
  };
  const store = {
    Name: 'jsonpath',
    Book: [
      { Category: 'reference', Author: 'Nigel Rees', Title: 'Sayings of the Centurey', Price: 8.95 },
      { Category: 'fiction', Author: 'Evelyn Waugh', Title: 'Sword of Honour', Price: 12.99 },
      { Category: 'fiction', Author: 'Herman Melville', Title: 'Moby Dick', Price: 8.99 },
    ],
    Bicycle: [{ Color: 'red', Price: 19.95, IsNew: true }, { Color: 'green', Price: 20.01, IsNew: false }],
    Labels: { engieer: 10, 'web/html': 15, 'k8s-app': 20 },
    Employees: { jason: 'manager', dan: 'clerk' },
  };
  const nodes = {
    kind: 'List',
    items: [
      { kind: 'None', metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } }, status: { capacity: { cpu: '4' }, ready: true, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] } },
      {
        kind: 'None', metadata: { name: '127.0.0.2', labels: { 'kubernetes.io/hostname': '127.0.0.2' } },
        status: { capacity: { cpu: '8' }, ready: false, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.2' }, { type: 'another', address: '127.0.0.3' }] },
      },
    ],
    users: [{ name: 'myself', user: {} }, { name: 'e2e', user: { username: 'admin', password: 'secret' } }],
  };
  const containers = { spec: { containers: ['fake0', 'fake1', 'fake2', 'fake3'].map((name) => ({ image: 'radial/busyboxplus:curl', name })) } };
  const ok: [string, unknown, string][] = [
    ['{ .bools }', types, '[true,false,true,false]'], ['{ .bools[-1] }', types, 'false'], ['{ .bools[:4:2] }', types, 'true true'],
    ['{ .integers[-2] }', types, '3'], ['{ .integers[0:2] }', types, '1 2'], ['{ .floats }', types, '[1,2.2,3.3,4]'], ['{ .floats[-2] }', types, '3.3'],
    ['{ .strings }', types, '["one","two","three","four"]'], ['{ .strings[:4:2] }', types, 'one three'], ['{ .interfaces[0:2] }', types, 'true one'],
    ['{ .maps[-2] }', types, '{"name":"three","value":3.03}'], ['{ .maps[1::2] }', types, '{"name":"two","value":2.02} {"name":"four","value":4.04}'],
    ['hello jsonpath', null, 'hello jsonpath'], ['{..}', [1, 2, 3], '[1,2,3]'], ['{[?(@<5)]}', [2, 6, 3, 7], '2 3'], ['{"{"}', null, '{'],
    ['{[1,3,4]}', [0, 1, 2, 3, 4], '1 3 4'], ['{[0:2]}', ['Monday', 'Tudesday'], 'Monday Tudesday'], ['hello {.Name}', store, 'hello jsonpath'],
    ['{$.Labels.web/html}', store, '15'], ['{$.Employees.jason}', store, 'manager'], ['{.Labels.k8s-app}', store, '20'],
    ['{.Bicycle[*].Color}', store, 'red green'], ['{.Book[*].Author}', store, 'Nigel Rees Evelyn Waugh Herman Melville'],
    ['{range .Bicycle[*]}{ "{" }{ @.Color }{ "} " }{end}', store, '{red} {green} '],
    // Map members are visited in key order (Go's order is random): Bicycle before Book.
    ['{..Price}', store, '19.95 20.01 8.95 12.99 8.99'], ['{...Price}', store, '19.95 20.01 8.95 12.99 8.99'],
    ['{.Bicycle[?(@.IsNew==true)].Color}', store, 'red'],
    ['{range .items[*]}{.metadata.name}, {end}{.kind}', nodes, '127.0.0.1, 127.0.0.2, List'],
    ['{range .items[*]}{.metadata.name}{"\\t"}{end}', nodes, '127.0.0.1\t127.0.0.2\t'],
    ['{.items[*].status.addresses[*].address}', nodes, '127.0.0.1 127.0.0.2 127.0.0.3'],
    ['{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}', nodes, '127.0.0.1, 127.0.0.2, 127.0.0.3, '],
    ["{.items[*]['metadata.name', 'status.capacity']}", nodes, '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}'],
    ['{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}', nodes, '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] '],
    ['{.users[?(@.name=="e2e")].user.password}', nodes, 'secret'],
    ['{.items[0].metadata.labels.kubernetes\\.io/hostname}', nodes, '127.0.0.1'],
    ['{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}', nodes, 'None'],
    ['{.items[?(@..ready==true)].metadata.name}', nodes, '127.0.0.1'],
    ["{[0]['id']}", [{ id: 'i1', x: 4 }], 'i1'], ['{[?(@.z)].id}', [{ id: 'i1' }, { id: 'i2', z: 1 }, { id: 'i5', z: 1 }], 'i2 i5'],
    ['{.spec.containers[0:0].name}', containers, ''], ['{.spec.containers[0:-1].name}', containers, 'fake0 fake1 fake2'],
    ['{.spec.containers[-1].name}', containers, 'fake3'], ['{.spec.containers[-2:].name}', containers, 'fake2 fake3'],
    ['{.spec.containers[5:5].name}', containers, ''], ['{.spec.containers[1:4:2].name}', containers, 'fake1 fake3'],
    ['{.hello}', store, ''], ['before-{.hello}after', store, 'before-after'],
    ['{range .items[*]}{.metadata.name}{end}', { items: [] }, ''],
    ['{.x[0]}', { x: [null] }, '<nil>'],
  ];
  for (const [template, data, want] of ok) test(`${template} → ${JSON.stringify(want)}`, () => assert.equal(evaluateJsonPath(template, data), want));

  test('nested ranges', () => {
    const data = { items: [{ metadata: { name: 'pod1' }, spec: { containers: [{ name: 'foo' }, { name: 'bar' }] } }, { metadata: { name: 'pod2' }, spec: { containers: [{ name: 'baz' }] } }] };
    assert.equal(evaluateJsonPath('{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}', data), 'pod1:foo,bar,+pod2:baz,+');
  });

  const failures: [string, unknown, string][] = [
    ['{hello}', store, 'unrecognized identifier hello'],
    ['{.Labels[0]}', store, 'map[string]interface {} is not array or slice'],
    ['{.Book[?(@.Price<>10)]}', store, 'unrecognized filter operator <>'],
    ['{range .Labels.*}{@}{end}{end}', store, 'not in range, nothing to end'],
    ['{.spec.containers[-5].name}', containers, 'array index out of bounds: index -1, length 4'],
    ['{.spec.containers[3:1].name}', containers, 'starting index 3 is greater than ending index 1'],
    ['{.spec.containers[0:4:0].name}', containers, 'step must be > 0'],
    ['{............Price}', store, 'invalid multiple recursive descent'],
    ['{.a', {}, 'unclosed action'],
    ['{.x[?(@.a>1.5)]}', { x: [{ a: 2 }] }, 'incompatible types for comparison'],
  ];
  for (const [template, data, want] of failures) test(`${template} fails with ${want}`, () => assert.throws(() => evaluateJsonPath(template, data), { message: want }));

  test('missing keys are errors when not allowed', () => {
    assert.throws(() => evaluateJsonPath('{.hello}', store, { allowMissingKeys: false }), { message: 'hello is not found' });
  });

  test('kubectl wraps parse and execution errors', () => {
    assert.throws(() => executeJsonPath('{.foo', {}), { message: 'error parsing jsonpath {.foo, unclosed action' });
    assert.throws(() => executeJsonPath('{.items[5]}', { items: [1, 2] }), (e: Error) =>
      e.message.startsWith('error executing jsonpath "{.items[5]}": Error executing template: array index out of bounds: index 5, length 2. Printing more information'));
  });
});

describe('custom-columns', () => {
  const objs = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db', resourceVersion: '12', labels: { app: 'x' } }, spec: { containers: [{ image: 'a' }, { image: 'b' }] } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-with-a-longer-name' }, spec: { containers: [{ image: 'c' }] } },
  ];
  test('one row per object, missing values <none>, several values comma-joined', () => {
    assert.equal(
      printCustomColumns('NAME:.metadata.name,RSRC:.metadata.resourceVersion,IMAGES:.spec.containers[*].image,LABELS:metadata.labels', objs, false),
      'NAME                     RSRC     IMAGES   LABELS\n' +
        'db                       12       a,b      map[app:x]\n' +
        'api-with-a-longer-name   <none>   c        <none>\n',
    );
  });
  test('no headers', () => assert.equal(printCustomColumns('NAME:.metadata.name', objs.slice(0, 1), true), 'db\n'));
  test('spec errors', () => {
    assert.throws(() => printCustomColumns('NAME', objs, false), { message: 'unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>' });
    assert.throws(() => printCustomColumns('', objs, false), { message: 'custom-columns format specified but no custom columns given' });
  });
});

describe('-o flag', () => {
  test('formats', () => {
    assert.deepEqual(parseOutputFlag(undefined), { type: 'table' });
    assert.deepEqual(parseOutputFlag('wide'), { type: 'wide' });
    assert.deepEqual(parseOutputFlag('=json'), { type: 'json' });
    assert.deepEqual(parseOutputFlag('jsonpath={.items[*].metadata.name}'), { type: 'jsonpath', template: '{.items[*].metadata.name}' });
    assert.deepEqual(parseOutputFlag('custom-columns=NAME:.metadata.name'), { type: 'custom-columns', template: 'NAME:.metadata.name' });
  });
  test('errors as kubectl prints them', () => {
    assert.throws(() => parseOutputFlag('foo'), {
      message:
        'unable to match a printer suitable for the output format "foo", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml',
    });
    assert.throws(() => parseOutputFlag('jsonpath'), { message: 'template format specified but no template given' });
    assert.throws(() => parseOutputFlag('jsonpath={.a'), { message: 'error parsing jsonpath {.a, unclosed action' });
  });
  test('jsonpath over a list and a single object', () => {
    const objs = [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' } }];
    assert.equal(printObjects(objs, parseOutputFlag('jsonpath={.items[*].metadata.name}'), { singleItem: false }), 'a b');
    assert.equal(printObjects(objs.slice(0, 1), parseOutputFlag('jsonpath={.metadata.name}'), { singleItem: true }), 'a');
  });
  test('name output is group-qualified', () => {
    const objs = [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }];
    assert.equal(printObjects(objs, { type: 'name' }, { singleItem: false }), 'deployment.apps/web\nservice/x\n');
  });
  test('managedFields are hidden', () => {
    const out = printObjects([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', managedFields: [{ manager: 'x' }] } }], { type: 'json' }, { singleItem: true });
    assert.ok(!out.includes('managedFields'));
  });
});

describe('yaml as kubectl (go-yaml v2) writes it', () => {
  test('quoting, key order, literal blocks and folding', () => {
    const out = toKubectlYaml({
      b10: 'x', b9: 'on', a: ['--rest', '0444', '', 'a: b', '*', 'line1\nline2\n', 'a\tb', '2018-01-01T00:00:00Z'], e: {}, l: [],
      long: 'this is a very long message that keeps going and going past the eighty column limit of the emitter for sure yes',
    });
    assert.equal(
      out,
      'a:\n- --rest\n- "0444"\n- ""\n- \'a: b\'\n- \'*\'\n- |\n  line1\n  line2\n- "a\\tb"\n- "2018-01-01T00:00:00Z"\n' +
        'b9: "on"\nb10: x\ne: {}\nl: []\n' +
        'long: this is a very long message that keeps going and going past the eighty column\n  limit of the emitter for sure yes\n',
    );
  });
});
