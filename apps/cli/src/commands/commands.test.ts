// SPDX-License-Identifier: Apache-2.0
// The verbs against a FakeApi: what they send and what they print.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { badRequest, newStatusError, type ExecInput, type ExecOutput, type KubeObject, type PodExecOptions } from '@berth/api';
import type { FakeApi } from '@berth/client/testing';
import type { Terminal } from './context';
import { goDuration } from './top';
import { berth, fakeApi, tempHome, CONFIGMAPS, DEPLOYMENTS, NODES, PODS, REPLICASETS, SECRETS, SERVICES } from './cli.test-helper';

const RB = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings' };

describe('create and apply', () => {
  test('create -f prints kubectl\'s lines and reports a duplicate with the file', async () => {
    const api = fakeApi();
    const first = await berth(api, ['create', '-f', 'pod/db.yml']);
    assert.deepEqual(first, { code: 0, stdout: 'pod/db created\n', stderr: '' });
    const again = await berth(api, ['create', '-f', 'pod/db.yml']);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'Error from server (AlreadyExists): error when creating "pod/db.yml": pods "db" already exists\n');
  });

  test('a multi-document file is created in order; a failing object does not stop the rest', async () => {
    const api = fakeApi();
    const r = await berth(api, ['create', '-f', 'svc/go-demo-2.yml']);
    assert.equal(r.code, 0);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'replicaset.apps/go-demo-2-db created',
      'service/go-demo-2-db created',
      'replicaset.apps/go-demo-2-api created',
      'service/go-demo-2-api created',
    ]);
  });

  test('--record stores the command line, --save-config the last-applied configuration', async () => {
    const api = fakeApi();
    await berth(api, ['create', '--filename=deploy/go-demo-2-api.yml', '--record', '--save-config']);
    const d = api.stored(DEPLOYMENTS, 'default', 'go-demo-2-api');
    const ann = d?.metadata?.annotations ?? {};
    assert.equal(ann['kubernetes.io/change-cause'], 'berth create --filename=deploy/go-demo-2-api.yml --record --save-config');
    const last = JSON.parse(ann['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}') as KubeObject;
    assert.equal(last.metadata?.name, 'go-demo-2-api');
    assert.equal(last.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  });

  test('stdin, directories and the namespace rules', async () => {
    const api = fakeApi();
    const yaml = readFileSync(join(import.meta.dirname, '../../../../../shared/k8s-specs/pod/db.yml'), 'utf8');
    assert.equal((await berth(api, ['create', '-f', '-', '-n', 'dev'], { stdin: yaml })).stdout, 'pod/db created\n');
    assert.ok(api.stored(PODS, 'dev', 'db'));
    const dir = tempHome();
    writeFileSync(join(dir, 'a.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: other}\n');
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    assert.equal((await berth(api, ['create', '-f', dir])).stdout, 'configmap/a created\n');
    assert.ok(api.stored(CONFIGMAPS, 'other', 'a'), 'metadata.namespace wins over the default');
    const clash = await berth(api, ['create', '-f', dir, '-n', 'dev']);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /^error: the namespace from the provided object "other" does not match the namespace "dev"/);
  });

  test('bad input: missing file, URL, malformed YAML, unknown kind', async () => {
    const api = fakeApi();
    assert.deepEqual(await berth(api, ['create', '-f', 'nope.yml']), { code: 1, stdout: '', stderr: 'error: the path "nope.yml" does not exist\n' });
    assert.match((await berth(api, ['create', '-f', 'https://example.com/x.yml'])).stderr, /^error: unable to read URL/);
    const dir = tempHome();
    writeFileSync(join(dir, 'bad.yml'), 'kind: Pod\n  metadata: [\n');
    const bad = await berth(api, ['create', '-f', join(dir, 'bad.yml')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: error parsing .*bad\.yml: /);
    assert.equal(bad.stderr.split('\n').length, 2, 'one line');
    writeFileSync(join(dir, 'foo.yml'), 'apiVersion: v1\nkind: Foo\nmetadata: {name: x}\n');
    assert.match((await berth(api, ['create', '-f', join(dir, 'foo.yml')])).stderr, /no matches for kind "Foo" in version "v1"/);
  });

  test('apply creates, then says unchanged, then configured with a strategic merge patch', async () => {
    const api = fakeApi();
    assert.equal((await berth(api, ['apply', '-f', 'rs/go-demo-2.yml'])).stdout, 'replicaset.apps/go-demo-2 created\n');
    assert.equal((await berth(api, ['apply', '-f', 'rs/go-demo-2.yml'])).stdout, 'replicaset.apps/go-demo-2 unchanged\n');
    const dir = tempHome();
    writeFileSync(join(dir, 'rs.yml'), readFileSync(join(import.meta.dirname, '../../../../../shared/k8s-specs/rs/go-demo-2.yml'), 'utf8').replace('replicas: 2', 'replicas: 4'));
    api.clearActions();
    assert.equal((await berth(api, ['apply', '-f', join(dir, 'rs.yml')])).stdout, 'replicaset.apps/go-demo-2 configured\n');
    const patch = api.writeActions().find((a) => a.verb === 'patch');
    assert.equal(patch?.patchType, 'application/strategic-merge-patch+json');
    assert.equal((api.stored(REPLICASETS, 'default', 'go-demo-2')?.['spec'] as { replicas: number }).replicas, 4);
  });
});

describe('get', () => {
  test('tables, names, type/name, and the empty message on stderr', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'pod/db.yml']);
    assert.equal((await berth(api, ['get', 'pods'])).stdout.split('\n')[0], 'NAME   READY   STATUS   RESTARTS   AGE');
    assert.equal((await berth(api, ['get', 'pod/db', '-o', 'name'])).stdout, 'pod/db\n');
    assert.equal((await berth(api, ['get', 'po', '-l', 'type=db', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout, 'db');
    assert.equal(JSON.parse((await berth(api, ['get', 'pod', 'db', '-o', 'json'])).stdout).kind, 'Pod');
    const none = await berth(api, ['get', 'svc', '-n', 'dev']);
    assert.deepEqual(none, { code: 0, stdout: '', stderr: 'No resources found in dev namespace.\n' });
    const missing = await berth(api, ['get', 'pod', 'nope']);
    assert.deepEqual(missing, { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
  });

  test('get all groups kinds with type/name rows; -f gets what a manifest names', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'svc/go-demo-2.yml']);
    const all = (await berth(api, ['get', 'all'])).stdout;
    assert.match(all, /^NAME +TYPE +CLUSTER-IP/m);
    assert.match(all, /^service\/go-demo-2-db /m);
    assert.match(all, /^replicaset\.apps\/go-demo-2-api /m);
    assert.match(all, /\n\nNAME/, 'blocks are separated by a blank line');
    const byFile = (await berth(api, ['get', '-f', 'svc/go-demo-2.yml'])).stdout;
    assert.match(byFile, /^replicaset\.apps\/go-demo-2-db /m);
  });

  test('a type that fails does not stop the others: its error comes last, once, and the exit code is 1', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'svc/go-demo-2.yml']);
    const refuse = (resource: string) => () => {
      throw newStatusError('Forbidden', `${resource} is forbidden: User "jdoe" cannot list ${resource} in the namespace "default"`);
    };
    api.prependReactor('list', 'services', refuse('services'));
    api.prependReactor('list', 'pods', refuse('pods'));
    const some = await berth(api, ['get', 'pods,svc,rs']);
    assert.equal(some.code, 1);
    assert.match(some.stdout, /^replicaset\.apps\/go-demo-2-api /m);
    assert.doesNotMatch(some.stdout, /service\//);
    assert.equal(
      some.stderr,
      'Error from server (Forbidden): pods is forbidden: User "jdoe" cannot list pods in the namespace "default"\n' +
        'Error from server (Forbidden): services is forbidden: User "jdoe" cannot list services in the namespace "default"\n',
    );
    // Nothing allowed at all (the book's jdoe before any binding): one error per type, no "No resources found".
    api.prependReactor('list', '*', (a) => refuse(a.group ? `${a.resource}.${a.group}` : a.resource)());
    const none = await berth(api, ['get', 'all']);
    assert.equal(none.code, 1);
    assert.equal(none.stdout, '');
    const lines = none.stderr.trim().split('\n');
    assert.ok(lines.length > 3);
    assert.ok(lines.every((l) => /^Error from server \(Forbidden\): \S+ is forbidden: User "jdoe" cannot list /.test(l)), none.stderr);
    assert.match(none.stderr, /^Error from server \(Forbidden\): deployments\.apps is forbidden/m);
    assert.deepEqual(await berth(api, ['get', 'pods']), {
      code: 1,
      stdout: '',
      stderr: 'Error from server (Forbidden): pods is forbidden: User "jdoe" cannot list pods in the namespace "default"\n',
    });
  });

  test('-w prints the list, then each change', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'pod/db.yml']);
    const run = berth(api, ['get', 'pods', '-w']);
    await new Promise((r) => setTimeout(r, 50));
    await api.delete(PODS, 'default', 'db');
    await new Promise((r) => setTimeout(r, 50));
    api.endWatches();
    const r = await run;
    assert.equal(r.code, 0);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3, r.stdout);
    assert.match(lines[2] ?? '', /^db /);
  });
});

describe('describe', () => {
  test('a name prefix describes every match', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'svc/go-demo-2.yml']);
    const r = await berth(api, ['describe', 'rs', 'go-demo-2']);
    assert.equal(r.code, 0);
    assert.equal((r.stdout.match(/^Name: /gm) ?? []).length, 2);
    assert.equal((await berth(api, ['describe', 'svc', 'zzz'])).stderr, 'Error from server (NotFound): services "zzz" not found\n');
  });

  test('events the user may not list leave the Events empty, as in kubectl', async () => {
    const api = fakeApi();
    await berth(api, ['create', 'rolebinding', 'jdoe', '--clusterrole', 'view', '--user', 'jdoe']);
    await berth(api, ['create', '-f', 'pod/db.yml']);
    api.prependReactor('list', 'events', () => {
      throw newStatusError('Forbidden', 'events is forbidden: User "jdoe" cannot list events in the namespace "default"');
    });
    const pod = await berth(api, ['describe', 'pod', 'db']);
    assert.equal(pod.code, 0, pod.stderr);
    assert.match(pod.stdout, /^Events: +<none>$/m);
    const rb = await berth(api, ['describe', 'rolebinding', 'jdoe']);
    assert.deepEqual(rb, {
      code: 0,
      stdout:
        'Name:         jdoe\nLabels:       <none>\nAnnotations:  <none>\nRole:\n  Kind:  ClusterRole\n  Name:  view\n' +
        'Subjects:\n  Kind  Name  Namespace\n  ----  ----  ---------\n  User  jdoe  \n',
      stderr: '',
    });
  });
});

describe('delete', () => {
  test('names, type/name, -l and --all; cascade maps to propagationPolicy', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'svc/go-demo-2.yml']);
    api.clearActions();
    const r = await berth(api, ['delete', 'rs/go-demo-2-db', '--cascade=false', '--wait=false']);
    assert.deepEqual(r, { code: 0, stdout: 'replicaset.apps "go-demo-2-db" deleted\n', stderr: '' });
    assert.equal(api.writeActions()[0]?.deleteOptions?.propagationPolicy, 'Orphan');
    assert.equal((await berth(api, ['delete', 'svc', '--all'])).stdout, 'service "go-demo-2-api" deleted\nservice "go-demo-2-db" deleted\n');
    await berth(api, ['create', '-f', 'pod/db.yml']);
    assert.equal((await berth(api, ['delete', 'pods', '-l', 'type=db'])).stdout, 'pod "db" deleted\n');
    assert.equal(api.stored(PODS, 'default', 'db'), undefined, 'gone before delete returns');
    const nope = await berth(api, ['delete', 'pod', 'nope']);
    assert.deepEqual(nope, { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    assert.equal((await berth(api, ['delete', 'pods'])).stderr, 'error: resource(s) were provided, but no name was specified\n');
  });

  test('delete -f names the file on errors', async () => {
    const r = await berth(fakeApi(), ['delete', '-f', 'pod/db.yml']);
    assert.equal(r.stderr, 'Error from server (NotFound): error when deleting "pod/db.yml": pods "db" not found\n');
  });
});

describe('label, annotate, scale, set image', () => {
  test('label needs --overwrite to change a value; k- removes', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'pod/db.yml']);
    assert.equal((await berth(api, ['label', 'pod/db', 'service=go-demo-2'])).stdout, 'pod/db labeled\n');
    assert.equal((await berth(api, ['label', 'pod', 'db', 'type=x'])).stderr, "error: 'type' already has a value (db), and --overwrite is false\n");
    assert.equal((await berth(api, ['label', 'pod', 'db', 'type=x', '--overwrite'])).code, 0);
    assert.equal((await berth(api, ['label', 'pod/db', 'service-'])).stdout, 'pod/db labeled\n');
    assert.deepEqual(api.stored(PODS, 'default', 'db')?.metadata?.labels, { type: 'x', vendor: 'MongoLabs' });
    assert.equal((await berth(api, ['annotate', 'pod', 'db', 'note=hi'])).stdout, 'pod/db annotated\n');
  });

  test('scale with --current-replicas and --record', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'deploy/go-demo-2-api.yml']);
    assert.equal((await berth(api, ['scale', 'deployment', 'go-demo-2-api', '--replicas', '8', '--record'])).stdout, 'deployment.apps/go-demo-2-api scaled\n');
    const d = api.stored(DEPLOYMENTS, 'default', 'go-demo-2-api');
    assert.equal((d?.['spec'] as { replicas: number }).replicas, 8);
    assert.match(d?.metadata?.annotations?.['kubernetes.io/change-cause'] ?? '', /^berth scale deployment go-demo-2-api --replicas 8 --record$/);
    assert.equal((await berth(api, ['scale', 'deploy/go-demo-2-api', '--replicas=2', '--current-replicas=3'])).stderr, 'error: Expected replicas to be 3, was 8\n');
    assert.match((await berth(api, ['scale', 'deploy/go-demo-2-api'])).stderr, /--replicas=COUNT flag is required/);
  });

  test('set image patches the named container', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'deploy/go-demo-2-api.yml']);
    const r = await berth(api, ['set', 'image', 'deployment/go-demo-2-api', 'api=vfarcic/go-demo-2:2.0', '--record']);
    assert.equal(r.stdout, 'deployment.apps/go-demo-2-api image updated\n');
    const d = api.stored(DEPLOYMENTS, 'default', 'go-demo-2-api') as KubeObject;
    const containers = ((d['spec'] as Record<string, unknown>)['template'] as { spec: { containers: Array<{ name: string; image: string }> } }).spec.containers;
    assert.equal(containers.find((c) => c.name === 'api')?.image, 'vfarcic/go-demo-2:2.0');
    assert.equal((await berth(api, ['set', 'image', 'deployment/go-demo-2-api', 'nope=x'])).stderr, 'error: unable to find container named "nope"\n');
  });
});

describe('rollout', () => {
  const deploy = (status: Record<string, unknown>, generation = 2): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'default', generation },
    spec: { replicas: 3, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'v2' }] } } },
    status,
  });

  test('status prints kubectl\'s lines until the rollout is done', async () => {
    const api = fakeApi();
    api.seed(DEPLOYMENTS, deploy({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 1 }));
    const run = berth(api, ['rollout', 'status', 'deployment', 'api']);
    await new Promise((r) => setTimeout(r, 50));
    const cur = api.stored(DEPLOYMENTS, 'default', 'api') as KubeObject;
    await api.update(DEPLOYMENTS, 'default', { ...cur, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } }, { subresource: 'status' });
    const r = await run;
    assert.deepEqual(r.stdout.split('\n'), [
      'Waiting for deployment "api" rollout to finish: 1 of 3 updated replicas are available...',
      'deployment "api" successfully rolled out',
      '',
    ]);
    assert.equal(r.code, 0);
  });

  test('status exits 1 when the progress deadline passed', async () => {
    const api = fakeApi();
    api.seed(DEPLOYMENTS, deploy({ observedGeneration: 2, conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] }));
    assert.deepEqual(await berth(api, ['rollout', 'status', 'deploy/api']), { code: 1, stdout: '', stderr: 'error: deployment "api" exceeded its progress deadline\n' });
  });

  test('history lists revisions; undo copies the previous template back', async () => {
    const api = fakeApi();
    api.seed(DEPLOYMENTS, deploy({}));
    const uid = api.stored(DEPLOYMENTS, 'default', 'api')?.metadata?.uid;
    const rs = (rev: number, image: string, cause?: string): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `api-${rev}`,
        namespace: 'default',
        annotations: { 'deployment.kubernetes.io/revision': String(rev), ...(cause ? { 'kubernetes.io/change-cause': cause } : {}) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: uid ?? '', controller: true }],
      },
      spec: { template: { metadata: { labels: { app: 'api', 'pod-template-hash': `h${rev}` } }, spec: { containers: [{ name: 'api', image }] } } },
    });
    api.seed(REPLICASETS, rs(1, 'v1', 'berth create -f api.yml --record'), rs(2, 'v2'));
    assert.equal(
      (await berth(api, ['rollout', 'history', 'deployment/api'])).stdout,
      'deployment.apps/api \nREVISION  CHANGE-CAUSE\n1         berth create -f api.yml --record\n2         <none>\n\n',
    );
    assert.equal((await berth(api, ['rollout', 'undo', 'deployment/api'])).stdout, 'deployment.apps/api rolled back\n');
    const d = api.stored(DEPLOYMENTS, 'default', 'api') as { spec: { template: { spec: { containers: Array<{ image: string }> }; metadata: { labels: Record<string, string> } } } };
    assert.equal(d.spec.template.spec.containers[0]?.image, 'v1');
    assert.deepEqual(d.spec.template.metadata.labels, { app: 'api' });
    assert.equal((await berth(api, ['rollout', 'undo', 'deployment/api', '--to-revision=9'])).stderr, 'error: unable to find specified revision 9 in history\n');
    assert.equal((await berth(api, ['rollout', 'pause', 'deployment/api'])).stdout, 'deployment.apps/api paused\n');
    assert.match((await berth(api, ['rollout', 'undo', 'deployment/api'])).stderr, /cannot rollback a paused deployment/);
    assert.equal((await berth(api, ['rollout', 'resume', 'deployment/api'])).stdout, 'deployment.apps/api resumed\n');
  });
});

describe('generators, run and expose', () => {
  test('create namespace, configmap, secret and rolebinding', async () => {
    const api = fakeApi();
    assert.equal((await berth(api, ['create', 'ns', 'testing'])).stdout, 'namespace/testing created\n');
    const dir = tempHome();
    writeFileSync(join(dir, 'prometheus-conf.yml'), 'scrape: 1\n');
    writeFileSync(join(dir, 'my-env-file.yml'), '# comment\nsomething=else\nweather=sunny\n');
    const cm = await berth(api, ['create', 'cm', 'my-config', `--from-file=${join(dir, 'prometheus-conf.yml')}`, '--from-literal=k=v']);
    assert.equal(cm.stdout, 'configmap/my-config created\n');
    assert.deepEqual(api.stored(CONFIGMAPS, 'default', 'my-config')?.['data'], { 'prometheus-conf.yml': 'scrape: 1\n', k: 'v' });
    await berth(api, ['create', 'configmap', 'env', `--from-env-file=${join(dir, 'my-env-file.yml')}`]);
    assert.deepEqual(api.stored(CONFIGMAPS, 'default', 'env')?.['data'], { something: 'else', weather: 'sunny' });
    await berth(api, ['create', 'secret', 'generic', 'my-creds', '--from-literal=username=jdoe', '--from-literal=password=incognito']);
    const secret = api.stored(SECRETS, 'default', 'my-creds');
    assert.equal(secret?.['type'], 'Opaque');
    assert.deepEqual(secret?.['data'], { username: 'amRvZQ==', password: 'aW5jb2duaXRv' });
    const rb = await berth(api, ['create', 'rolebinding', 'jdoe', '--clusterrole', 'view', '--user', 'jdoe', '--namespace', 'default', '--save-config']);
    assert.equal(rb.stdout, 'rolebinding.rbac.authorization.k8s.io/jdoe created\n');
    const stored = api.stored(RB, 'default', 'jdoe');
    assert.deepEqual(stored?.['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' });
    assert.deepEqual(stored?.['subjects'], [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jdoe' }]);
    assert.ok(stored?.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal((await berth(api, ['create', 'cm', 'x', '--from-literal=a=1', '--from-literal=a=2'])).stderr, 'error: cannot add key a, another key by that name already exists in Data for ConfigMap "x"\n');
  });

  test('create role groups resources by API group', async () => {
    const r = await berth(fakeApi(), ['create', 'role', 'r', '--verb=get,list', '--resource=pods,deployments', '--dry-run=client', '-o', 'json']);
    const rules = (JSON.parse(r.stdout) as { rules: unknown[] }).rules;
    assert.deepEqual(rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
    ]);
  });

  test('run creates a Pod; trailing words are its args', async () => {
    const api = fakeApi();
    const r = await berth(api, ['run', 'docker', '--image=docker:17.11', '--restart=Never', 'docker', 'image', 'ls']);
    assert.equal(r.stdout, 'pod/docker created\n');
    const pod = api.stored(PODS, 'default', 'docker') as { metadata: { labels: unknown }; spec: { restartPolicy: string; containers: Array<{ args: string[] }> } };
    assert.deepEqual(pod.metadata.labels, { run: 'docker' });
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.deepEqual(pod.spec.containers[0]?.args, ['docker', 'image', 'ls']);
    const dry = await berth(api, ['run', 'x', '--image=alpine', '--dry-run=client', '-o', 'yaml']);
    assert.match(dry.stdout, /^apiVersion: v1\nkind: Pod\n/);
    assert.match((await berth(api, ['run', 'x', '--image=alpine', '-it', '--rm'])).stderr, /^error: .*kubelet.*issue 4/);
  });

  test('expose copies the selector and labels; the port defaults to the container port', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'svc/go-demo-2-rs.yml']);
    const r = await berth(api, ['expose', 'rs', 'go-demo-2', '--name=go-demo-2-svc', '--target-port=28017', '--type=NodePort']);
    assert.equal(r.stdout, 'service/go-demo-2-svc exposed\n');
    const svc = api.stored(SERVICES, 'default', 'go-demo-2-svc') as { spec: Record<string, unknown> };
    assert.equal(svc.spec['type'], 'NodePort');
    assert.deepEqual(svc.spec['selector'], { service: 'go-demo-2', type: 'backend' });
    assert.deepEqual(svc.spec['ports'], [{ port: 28017, protocol: 'TCP', targetPort: 28017 }]);
  });
});

describe('nodes, logs and exec, info', () => {
  test('cordon, uncordon and drain', async () => {
    const api = fakeApi();
    api.seed(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {} });
    api.seed(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u', controller: true }] },
      spec: { nodeName: 'n1', containers: [] },
    });
    api.seed(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'ds-1', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'd', controller: true }] },
      spec: { nodeName: 'n1', containers: [] },
    });
    assert.equal((await berth(api, ['cordon', 'n1'])).stdout, 'node/n1 cordoned\n');
    assert.equal((await berth(api, ['cordon', 'n1'])).stdout, 'node/n1 already cordoned\n');
    const refused = await berth(api, ['drain', 'n1']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): default\/ds-1/);
    const r = await berth(api, ['drain', 'n1', '--ignore-daemonsets']);
    assert.equal(r.stdout, 'node/n1 already cordoned\nevicting pod default/web-1\npod/web-1 evicted\nnode/n1 drained\n');
    assert.equal(r.stderr, 'Warning: ignoring DaemonSet-managed Pods: default/ds-1\n');
    assert.equal((await berth(api, ['uncordon', 'n1'])).stdout, 'node/n1 uncordoned\n');
  });

  test('logs reach the NodeProxy with the flags\' options', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'pod/db.yml']);
    // The apiserver's NodeProxy, stood in for: it sees what the flags asked for.
    const asked: unknown[] = [];
    Object.assign(api, {
      logs: async function* (opts: { name: string }) {
        asked.push(opts);
        await api.get({ group: '', version: 'v1', resource: 'pods' }, 'default', opts.name);
        yield { stream: 'stdout', data: Buffer.from('line 1\n') };
        yield { stream: 'stderr', data: Buffer.from('line 2\n') };
      },
    });
    const logs = await berth(api, ['logs', 'db', '-f', '--tail=10', '-c', 'db', '--timestamps', '--since', '2m']);
    assert.equal(logs.code, 0);
    assert.equal(logs.stdout, 'line 1\nline 2\n');
    assert.deepEqual(asked, [{ namespace: 'default', name: 'db', container: 'db', follow: true, timestamps: true, tailLines: 10, sinceSeconds: 120 }]);
    assert.equal((await berth(api, ['logs', 'nope'])).stderr, 'Error from server (NotFound): pods "nope" not found\n');
  });

  test("logs by selector, of a deployment's pod, with --prefix and --all-containers, as kubectl picks them", async () => {
    const api = fakeApi();
    const pod = (name: string, containers: string[]): string =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, labels: {app: web}}\nspec:\n  containers:\n${containers.map((c) => `  - {name: ${c}, image: nginx}\n`).join('')}`;
    await berth(api, ['apply', '-f', '-'], { stdin: [pod('web-b', ['web']), pod('web-a', ['web', 'sidecar'])].join('---\n') });
    await berth(api, ['create', 'deployment', 'web', '--image=nginx']);
    const asked: Array<{ name: string; container?: string; tailLines?: number }> = [];
    Object.assign(api, {
      logs: async function* (opts: { name: string; container?: string; tailLines?: number }) {
        asked.push(opts);
        yield { stream: 'stdout', data: Buffer.from(`${opts.name} ${opts.container ?? '-'} one\n${opts.name} two`) };
      },
    });
    // A selector: every pod, the last 10 lines of each; a pod of two containers needs -c or --all-containers.
    let r = await berth(api, ['logs', '-l', 'app=web', '--prefix', '-c', 'web']);
    assert.equal(r.stdout, '[pod/web-a/web] web-a web one\n[pod/web-a/web] web-a two\n[pod/web-b/web] web-b web one\n[pod/web-b/web] web-b two\n');
    assert.deepEqual(asked.map((a) => a.tailLines), [10, 10]);
    asked.length = 0;
    r = await berth(api, ['logs', '-l', 'app=web', '--all-containers', '--tail', '1']);
    assert.deepEqual(asked.map((a) => `${a.name}/${a.container ?? ''}:${a.tailLines ?? ''}`), ['web-a/web:1', 'web-a/sidecar:1', 'web-b/web:1']);
    assert.equal((await berth(api, ['logs', '-l', 'app=web', '-f', '--all-containers', '--max-log-requests', '2'])).stderr, 'error: you are attempting to follow 3 log streams, but maximum allowed concurrency is 2, use --max-log-requests to increase the limit\n');
    assert.deepEqual(await berth(api, ['logs', '-l', 'app=none']), { code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
    assert.equal((await berth(api, ['logs', 'web-a', '-l', 'app=web'])).stderr, 'error: only a selector (-l) or a POD name is allowed\n');
    // A workload: the first of its pods; "Found N pods" when there was a choice.
    asked.length = 0;
    await berth(api, ['apply', '-f', '-'], { stdin: pod('web-c', ['web']).replace('{app: web}', '{app: web, extra: x}') });
    r = await berth(api, ['logs', 'deployment/web']);
    assert.equal(r.code, 0, r.stderr);
    // Equal in every other respect (unscheduled, same age): by name.
    assert.equal(r.stderr, 'Found 3 pods, using pod/web-a\n');
    assert.deepEqual(asked.map((a) => a.name), ['web-a']);
    assert.equal((await berth(api, ['logs', 'deployment/nope'])).stderr, 'Error from server (NotFound): deployments.apps "nope" not found\n');
  });

  test('exec: the command runs through the NodeProxy; output, stdin and the exit code as kubectl has them', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'pod/db.yml']);
    await berth(api, ['create', '-f', 'pod/go-demo-2.yml']);
    const asked: Array<{ opts: PodExecOptions; input: unknown[] }> = [];
    // The apiserver's NodeProxy, stood in for: `cat` echoes stdin, `sh -c 'exit N'` exits N,
    // anything else prints its words to stdout and "done" to stderr.
    Object.assign(api, {
      exec: async function* (opts: PodExecOptions, input: AsyncIterable<ExecInput>): AsyncIterable<ExecOutput> {
        await api.get(PODS, opts.namespace, opts.name);
        const call = { opts, input: [] as unknown[] };
        asked.push(call);
        if (opts.container === 'gone') throw badRequest('unable to upgrade connection: container not found ("gone")');
        if (opts.command[0] === 'sh') {
          yield { type: 'exit', exitCode: Number(/exit (\d+)/.exec(opts.command[2] ?? '')?.[1] ?? 0) };
          return;
        }
        if (opts.command[0] === 'cat') {
          for await (const m of input) {
            call.input.push(m.type === 'stdin' ? Buffer.from(m.data).toString() : m);
            if (m.type === 'stdin') yield { type: 'stdout', data: m.data };
            if (m.type === 'closeStdin') break;
          }
        } else {
          yield { type: 'stdout', data: Buffer.from(`${opts.command.join(' ')}\n`) };
          yield { type: 'stderr', data: Buffer.from('done\n') };
        }
        yield { type: 'exit', exitCode: 0 };
      },
    });

    assert.deepEqual(await berth(api, ['exec', 'db', '--', 'ps', 'aux']), { code: 0, stdout: 'ps aux\n', stderr: 'done\n' });
    assert.deepEqual(asked.at(-1)?.opts, { namespace: 'default', name: 'db', container: 'db', command: ['ps', 'aux'], stdin: false, tty: false });
    // Flags after the pod, before `--`; the command's own flags after it.
    assert.equal((await berth(api, ['exec', 'pod/db', '-c', 'db', '--', 'ls', '-la', '-n', 'x'])).stdout, 'ls -la -n x\n');
    assert.deepEqual(asked.at(-1)?.opts.command, ['ls', '-la', '-n', 'x']);

    // kubectl's exit code and line for a failing command.
    assert.deepEqual(await berth(api, ['exec', 'db', '--', 'sh', '-c', 'exit 3']), { code: 3, stdout: '', stderr: 'command terminated with exit code 3\n' });

    // -i: stdin reaches the command, then its end.
    const cat = await berth(api, ['exec', '-i', 'db', '--', 'cat'], { stdin: 'hello\n' });
    assert.deepEqual(cat, { code: 0, stdout: 'hello\n', stderr: '' });
    assert.deepEqual(asked.at(-1)?.input, ['hello\n', { type: 'closeStdin' }]);
    assert.equal(asked.at(-1)?.opts.stdin, true);

    // The old form works with kubectl's deprecation line; -t without a terminal says so and goes on without.
    const old = await berth(api, ['exec', '-it', 'db', 'ps', 'aux']);
    assert.equal(old.code, 0);
    assert.equal(old.stderr, 'berth exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use berth exec [POD] -- [COMMAND] instead.\nUnable to use a TTY - input is not a terminal or the right kind of file\ndone\n');
    assert.deepEqual(asked.at(-1)?.opts, { namespace: 'default', name: 'db', container: 'db', command: ['ps', 'aux'], stdin: true, tty: false });
    assert.equal((await berth(api, ['exec', '-q', '-it', 'db', 'ps'])).stderr, 'done\n', '-q keeps only the remote output');

    // Several containers: the first, saying so; -c picks.
    assert.equal((await berth(api, ['exec', 'go-demo-2', '--', 'ls'])).stderr, 'Defaulted container "db" out of: db, api\ndone\n');
    await berth(api, ['exec', 'go-demo-2', '-c', 'api', '--', 'ls']);
    assert.equal(asked.at(-1)?.opts.container, 'api');

    // Errors: usage, a missing pod, a completed pod, a container that does not run.
    assert.deepEqual(await berth(api, ['exec', 'db']), { code: 1, stdout: '', stderr: "error: you must specify at least one command for the container\nSee 'berth exec -h' for help and examples\n" });
    assert.equal((await berth(api, ['exec'])).stderr, "error: pod or type/name must be specified\nSee 'berth exec -h' for help and examples\n");
    assert.equal((await berth(api, ['exec', '--', 'ls'])).stderr, "error: pod or type/name must be specified\nSee 'berth exec -h' for help and examples\n");
    assert.deepEqual(await berth(api, ['exec', 'nope', '--', 'ls']), { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    assert.equal((await berth(api, ['exec', 'db', '-c', 'gone', '--', 'ls'])).stderr, 'error: unable to upgrade connection: container not found ("gone")\n');
    const done = await api.get<KubeObject>(PODS, 'default', 'db');
    await api.update(PODS, 'default', { ...done, status: { phase: 'Succeeded' } }, { subresource: 'status' });
    assert.equal((await berth(api, ['exec', 'db', '--', 'ls'])).stderr, 'error: cannot exec into a container in a completed pod; current phase is Succeeded\n');
  });

  test('exec -it on a terminal: raw mode for the session, its size at the start and on every resize', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'pod/db.yml']);
    const events: string[] = [];
    let resized: (() => void) | undefined;
    let size = { cols: 80, rows: 24 };
    let typed: (() => void) | undefined;
    const terminal: Terminal = {
      stdinIsTerminal: true,
      async *input(signal) {
        yield Buffer.from('ls\r');
        // The user waits; the session ends from the other side.
        await new Promise<void>((resolve) => {
          typed = resolve;
          signal.addEventListener('abort', () => resolve());
        });
      },
      makeRaw: () => {
        events.push('raw');
        return () => events.push('restored');
      },
      size: () => size,
      onResize: (fn) => {
        resized = fn;
        return () => events.push('unwatched');
      },
    };
    Object.assign(api, {
      exec: async function* (opts: PodExecOptions, input: AsyncIterable<ExecInput>): AsyncIterable<ExecOutput> {
        events.push(`exec tty=${opts.tty} stdin=${opts.stdin}`);
        for await (const m of input) {
          events.push(m.type === 'stdin' ? `stdin ${JSON.stringify(Buffer.from(m.data).toString())}` : m.type === 'resize' ? `resize ${m.cols}x${m.rows}` : m.type);
          if (m.type === 'stdin') {
            // The window changes while the command runs.
            size = { cols: 100, rows: 30 };
            resized?.();
          }
          if (m.type === 'resize' && m.cols === 100) break;
        }
        yield { type: 'stdout', data: Buffer.from('file\r\n') };
        yield { type: 'exit', exitCode: 130 };
      },
    });
    const r = await berth(api, ['exec', '-it', 'db', '--', 'sh'], { terminal });
    typed?.();
    assert.deepEqual(r, { code: 130, stdout: 'file\r\n', stderr: 'command terminated with exit code 130\n' });
    assert.deepEqual(events, ['raw', 'exec tty=true stdin=true', 'resize 80x24', 'stdin "ls\\r"', 'resize 100x30', 'unwatched', 'restored']);
  });

  test('version, api-resources, api-versions, explain, completion', async () => {
    const api = fakeApi();
    assert.match((await berth(api, ['version', '--client'])).stdout, /^Client Version: v\d+\.\d+\.\d+\n$/);
    const res = (await berth(api, ['api-resources'])).stdout.split('\n');
    assert.match(res[0] ?? '', /^NAME +SHORTNAMES +APIVERSION +NAMESPACED +KIND$/);
    assert.ok(res.some((l) => /^deployments +deploy +apps\/v1 +true +Deployment$/.test(l)));
    assert.ok(!(await berth(api, ['api-resources', '--namespaced=false'])).stdout.includes('Deployment'));
    assert.match((await berth(api, ['api-resources', '-o', 'name'])).stdout, /^deployments\.apps$/m);
    assert.match((await berth(api, ['api-versions'])).stdout, /^apps\/v1\nauthorization\.k8s\.io\/v1\nautoscaling\/v1\n/m);
    const explain = (await berth(api, ['explain', 'pod.spec.containers'])).stdout;
    assert.match(explain, /^KIND:       Pod\nVERSION:    v1\n\nFIELD: containers <\[\]Container>\n/);
    assert.match(explain, /^  image\t<string>\n    Image reference/m);
    assert.match((await berth(api, ['completion', 'bash'])).stdout, /berth __complete/);
    assert.equal((await berth(api, ['__complete', 'ge'])).stdout, 'get\n');
    assert.equal((await berth(api, ['__complete', 'get', 'deplo'])).stdout, 'deploy\ndeployments\n');
    await berth(api, ['create', '-f', 'pod/db.yml']);
    assert.equal((await berth(api, ['__complete', 'get', 'pods', ''])).stdout, 'db\n');
  });
});

describe('top', () => {
  // Three nodes: n1 and n2 answer (the kubelet's last window), n3's kubelet does not.
  const cluster = (): FakeApi => {
    const api = fakeApi();
    const node = (name: string, allocatable: Record<string, string>, labels: Record<string, string> = {}): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels },
      status: { capacity: { cpu: '8', memory: '16Gi' }, allocatable },
    });
    api.seed(NODES, node('n1', { cpu: '2', memory: '4Gi' }, { disk: 'ssd' }), node('n2', { cpu: '4', memory: '8Gi' }), node('n3', { cpu: '4', memory: '8Gi' }));
    api.setNodeUsage('n1', { cpu: '1500m', memory: '1Gi' });
    api.setNodeUsage('n2', { cpu: '250123456n', memory: '6291456Ki' });
    const pod = (name: string, nodeName: string, containers: string[], namespace = 'default', extra: { labels?: Record<string, string>; creationTimestamp?: string } = {}): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, ...extra },
      spec: { nodeName, containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
    });
    api.seed(PODS, pod('db', 'n1', ['db'], 'default', { labels: { app: 'db' } }), pod('web', 'n2', ['web', 'sidecar'], 'default', { labels: { app: 'web' } }), pod('lost', 'n3', ['c']), pod('dns', 'n1', ['dns'], 'kube-system'));
    api.setPodUsage('default', 'db', { db: { cpu: '2478395n', memory: '43388Ki' } });
    api.setPodUsage('default', 'web', { web: { cpu: '100m', memory: '20Mi' }, sidecar: { cpu: '3m', memory: '5Mi' } });
    api.setPodUsage('kube-system', 'dns', { dns: { cpu: '1m', memory: '12Mi' } });
    return api;
  };

  test('top node: usage and percentages of allocatable, <unknown> for a node that does not answer', async () => {
    const api = cluster();
    assert.deepEqual(await berth(api, ['top', 'node']), {
      code: 0,
      stderr: '',
      stdout: [
        'NAME   CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   ',
        'n1     1500m        75%         1024Mi          25%         ',
        'n2     251m         6%          6144Mi          75%         ',
        'n3     <unknown>    <unknown>   <unknown>       <unknown>   ',
        '',
      ].join('\n'),
    });
    assert.equal(
      (await berth(api, ['top', 'nodes', '--sort-by=memory', '--no-headers', '--show-capacity'])).stdout,
      'n2    251m        3%          6144Mi      37%         \nn1    1500m       18%         1024Mi      6%          \nn3    <unknown>   <unknown>   <unknown>   <unknown>   \n',
    );
    assert.equal((await berth(api, ['top', 'no', 'n1'])).stdout, 'NAME   CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \nn1     1500m        75%      1024Mi          25%         \n');
    assert.equal((await berth(api, ['top', 'node', '-l', 'disk=ssd', '--no-headers'])).stdout, 'n1    1500m   75%   1024Mi   25%   \n');
    assert.deepEqual(
      api.actions().filter((a) => a.subresource === 'stats').map((a) => a.name),
      ['n1', 'n2', 'n3', 'n1', 'n2', 'n3', 'n1', 'n1'],
      'each node asked once per command',
    );
  });

  test('top node errors: as kubectl with metrics-server', async () => {
    const api = cluster();
    assert.deepEqual(await berth(api, ['top', 'node', 'nope']), { code: 1, stdout: '', stderr: 'Error from server (NotFound): nodemetrics.metrics.k8s.io "nope" not found\n' });
    assert.equal((await berth(api, ['top', 'node', 'n3'])).stderr, 'Error from server (NotFound): nodemetrics.metrics.k8s.io "n3" not found\n');
    assert.equal((await berth(api, ['top', 'node', '-l', 'disk=hdd'])).stderr, 'error: metrics not available yet\n');
    assert.equal((await berth(api, ['top', 'node', '--sort-by=disk'])).stderr, 'error: --sort-by accepts only cpu or memory\n');
    assert.equal((await berth(api, ['top', 'node', 'n1', '-l', 'disk=ssd'])).stderr, 'error: only one of NAME or --selector can be provided\n');
    assert.equal((await berth(api, ['top', 'node', 'a', 'b'])).stderr, "error: node [NAME | -l label]\nSee 'berth top node -h' for help and examples\n");
    // A node that answers before its kubelet has a window has no usage yet.
    const fresh = fakeApi();
    fresh.seed(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    fresh.setNodeUsage('n1');
    assert.equal((await berth(fresh, ['top', 'node'])).stderr, 'error: metrics not available yet\n');
  });

  test('top pod: the sum of the containers, -A, --containers, -l, --sort-by, --sum; pods on a silent node are left out', async () => {
    const api = cluster();
    assert.deepEqual(await berth(api, ['top', 'pod']), { code: 0, stderr: '', stdout: 'NAME   CPU(cores)   MEMORY(bytes)   \ndb     3m           42Mi            \nweb    103m         25Mi            \n' });
    assert.equal(
      (await berth(api, ['top', 'pods', '-A', '--sort-by', 'memory'])).stdout,
      'NAMESPACE     NAME   CPU(cores)   MEMORY(bytes)   \ndefault       db     3m           42Mi            \ndefault       web    103m         25Mi            \nkube-system   dns    1m           12Mi            \n',
    );
    assert.equal(
      (await berth(api, ['top', 'po', 'web', '--containers'])).stdout,
      'POD   NAME      CPU(cores)   MEMORY(bytes)   \nweb   sidecar   3m           5Mi             \nweb   web       100m         20Mi            \n',
    );
    assert.equal((await berth(api, ['top', 'pod', '-l', 'app=db', '--no-headers'])).stdout, 'db    3m    42Mi   \n');
    assert.equal((await berth(api, ['top', 'pod', '-n', 'kube-system'])).stdout, 'NAME   CPU(cores)   MEMORY(bytes)   \ndns    1m           12Mi            \n');
    assert.equal(
      (await berth(api, ['top', 'pod', '--sort-by=cpu', '--sum'])).stdout,
      'NAME   CPU(cores)   MEMORY(bytes)   \nweb    103m         25Mi            \ndb     3m           42Mi            \n       ________     ________        \n       106m         67Mi            \n',
    );
    assert.deepEqual(
      api.actions().filter((a) => a.subresource === 'stats').map((a) => a.name),
      ['n1', 'n3', 'n2', 'n1', 'n3', 'n2', 'n2', 'n1', 'n1', 'n1', 'n3', 'n2'],
      'only the nodes of the pods listed are asked',
    );
  });

  test('top pod errors: an unknown pod or one without metrics, no metrics yet, old pods, nothing there', async () => {
    const api = cluster();
    assert.deepEqual(await berth(api, ['top', 'pod', 'nope']), { code: 1, stdout: '', stderr: 'Error from server (NotFound): podmetrics.metrics.k8s.io "default/nope" not found\n' });
    assert.equal((await berth(api, ['top', 'pod', 'lost'])).stderr, 'Error from server (NotFound): podmetrics.metrics.k8s.io "default/lost" not found\n');
    assert.equal((await berth(api, ['top', 'pod', '--field-selector', 'spec.nodeName=n3'])).stderr, 'error: metrics not available yet\n');
    api.seed(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'old', namespace: 'dev', creationTimestamp: '2024-01-01T11:54:57Z' }, spec: { nodeName: 'n3', containers: [] } });
    assert.equal((await berth(api, ['top', 'pod', '-n', 'dev'])).stderr, 'error: Metrics not available for pod dev/old, age: 5m3s\n');
    assert.deepEqual(await berth(api, ['top', 'pod', '-n', 'empty']), { code: 0, stdout: '', stderr: 'No resources found in empty namespace.\n' });
    assert.equal((await berth(api, ['top', 'pod', 'db', '-l', 'app=db'])).stderr, 'error: only one of NAME or selector can be provided\n');
    assert.equal((await berth(api, ['top', 'pod', '--sort-by', 'name'])).stderr, 'error: --sort-by accepts only cpu or memory\n');
    assert.equal((await berth(api, ['top', 'pod', 'a', 'b'])).stderr, "error: pod [NAME | -l label]\nSee 'berth top pod -h' for help and examples\n");
    assert.equal((await berth(api, ['__complete', 'top', 'node', ''])).stdout, 'n1\nn2\nn3\n');
    assert.equal((await berth(api, ['__complete', 'top', 'pod', 'w'])).stdout, 'web\n');
  });

  test('goDuration writes ages as Go does', () => {
    assert.deepEqual([0, 450, 3500, 303_000, 7_201_005].map(goDuration), ['0s', '450ms', '3.5s', '5m3s', '2h0m1.005s']);
  });
});

describe('flags and errors', () => {
  test('global flags anywhere, kubectl\'s errors for unknown flags and commands', async () => {
    const api = fakeApi();
    await berth(api, ['create', '-f', 'pod/db.yml', '-n', 'dev']);
    assert.equal((await berth(api, ['--namespace', 'dev', 'get', 'pods', '-o', 'name'])).stdout, 'pod/db\n');
    assert.equal((await berth(api, ['get', 'pods', '-o', 'name', '-n', 'dev'])).stdout, 'pod/db\n');
    assert.match((await berth(api, ['get', 'pods', '-A'])).stdout, /^NAMESPACE +NAME/);
    assert.deepEqual(await berth(api, ['get', 'pods', '--foo']), { code: 1, stdout: '', stderr: "error: unknown flag: --foo\nSee 'berth get --help' for usage.\n" });
    assert.equal((await berth(api, ['get', '-z'])).stderr, "error: unknown shorthand flag: 'z' in -z\nSee 'berth get --help' for usage.\n");
    assert.match((await berth(api, ['gett'])).stderr, /^error: unknown command "gett" for "berth"\n\nDid you mean this\?\n\tget\n/);
    assert.equal((await berth(api, ['get', 'foo'])).stderr, 'error: the server doesn\'t have a resource type "foo"\n');
    assert.equal((await berth(api, ['get', 'pods', '--show-all'])).code, 0);
    assert.equal((await berth(api, ['get', 'pods', '-o', 'bogus'])).code, 1);
    assert.equal((await berth(api, ['--help'])).code, 0);
  });
});
