// SPDX-License-Identifier: Apache-2.0
// The book's chapters 3-6, 10 and 12 with `berth`, against a two-node cluster brought up by
// deploy/local/cluster.sh: real etcd, NATS, dockerd per node, iptables, host-gw routes.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '@berth/testing';
import { BERTH, NODES, SPECS, applyText, berth, berthOk, clusterEnv, clusterScript, curlFromNode, kubeletPid, nodeIP, removeCluster, sh } from './cluster';

const MINUTE = 60_000;

/** Polls `berth get … -o jsonpath=…` until `ok` holds; returns the last output. */
async function until(what: string, args: string[], ok: (out: string) => boolean, timeoutMs = 2 * MINUTE): Promise<string> {
  return waitFor(what, async () => {
    const r = await berth(...args);
    return r.code === 0 && ok(r.stdout) ? r.stdout : undefined;
  }, timeoutMs);
}

/** "name phase node ip" per pod, without the ones being deleted (kubectl's Terminating). */
const podsOf = async (selector: string): Promise<string> =>
  (await berthOk('get', 'pods', '-l', selector, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.spec.nodeName} {.status.podIP} {.metadata.deletionTimestamp}{"\\n"}{end}'))
    .split('\n')
    .filter((l) => l.trim() && l.trim().split(' ').length === 4)
    .join('\n');

/** One GET on a new connection each time, like `curl` in a loop; the body, or the error. */
function get(url: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ error: e.message }));
  });
}

before(async () => {
  const up = await clusterScript('up', '--nodes', '2');
  assert.equal(up.code, 0, `cluster up failed:\n${up.stdout}\n${up.stderr}`);
}, { timeout: 30 * MINUTE });

after(async () => {
  if (process.env['BERTH_E2E_KEEP'] !== 'true') await removeCluster();
}, { timeout: 5 * MINUTE });

describe('a cluster brought up by `berth cluster up`', { timeout: 40 * MINUTE }, () => {
  test('has two Ready nodes, each with its own pod CIDR, and the control plane running', async () => {
    const out = await berthOk('get', 'nodes');
    assert.match(out, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
    for (const n of NODES) assert.match(out, new RegExp(`^${n}\\s+Ready\\s+<none>\\s+`, 'm'));
    const cidrs = await berthOk('get', 'nodes', '-o', 'jsonpath={.items[*].spec.podCIDR}');
    assert.equal(new Set(cidrs.split(' ')).size, 2, `distinct pod CIDRs: ${cidrs}`);
    const status = await clusterScript('status');
    for (const c of ['etcd', 'nats', 'apiserver', 'scheduler', 'controller-manager']) assert.match(status.stdout, new RegExp(`^${c}\\s+running$`, 'm'));
    for (const n of NODES) for (const p of ['dockerd', 'kubelet', 'kube-proxy']) assert.match(status.stdout, new RegExp(`^${n}/${p}\\s+running$`, 'm'));
    // The host never sends pod or service traffic out by its default route.
    for (const ip of ['10.244.0.5', '10.96.0.1']) assert.match((await sh('ip', ['route', 'get', ip])).stderr, /No route to host/, ip);
  });

  test('chapter 3: a pod runs; logs, exec and top reach it through the apiserver', async () => {
    assert.equal(await berthOk('create', '-f', 'pod/db.yml'), 'pod/db created\n');
    await until('db Running', ['get', 'pod', 'db', '-o', 'jsonpath={.status.phase}'], (s) => s === 'Running');
    assert.match(await berthOk('get', 'pods'), /^db\s+1\/1\s+Running\s+0\s+\d+s\n/m);
    const logs = await waitFor('db logs', async () => ((await berth('logs', 'db')).stdout || undefined));
    assert.match(logs, /\S/);
    // `kubectl exec db ps aux` and an exec with stdin and an exit code, through the apiserver and NATS.
    assert.match(await berthOk('exec', 'db', '--', 'ps', 'aux'), /mongod/);
    const exec = await sh('node', [BERTH, 'exec', '-i', 'db', '--', 'sh', '-c', 'read x; echo "got $x"; exit 3'], { input: 'hi\n' });
    assert.deepEqual(exec, { code: 3, stdout: 'got hi\n', stderr: 'command terminated with exit code 3\n' });
    // kubectl top: the kubelets' CPU and memory samples, through the apiserver and NATS.
    const top = await until('top pod db', ['top', 'pod', 'db'], (s) => /^db\s+\d+m\s+\d+Mi\s*$/m.test(s), MINUTE);
    assert.match(top, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    const nodes = await until('top node', ['top', 'node'], (s) => NODES.every((n) => new RegExp(`^${n}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm').test(s)), MINUTE);
    assert.match(nodes, /^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)/);
    assert.equal(await berthOk('delete', '-f', 'pod/db.yml'), 'pod "db" deleted\n');
  });

  test('chapter 3: the containers of a pod share localhost; pods reach pods on the other node', async () => {
    await berthOk('create', '-f', 'pod/go-demo-2.yml');
    const [, , node, ip] = (await until('go-demo-2 Running with an IP', ['get', 'pod', 'go-demo-2', '-o', 'jsonpath={.metadata.name} {.status.phase} {.spec.nodeName} {.status.podIP}'], (s) => / Running \S+ \d/.test(s))).split(' ');
    // The api container found its DB on localhost, or it would have exited.
    await until('go-demo-2 2/2', ['get', 'pod', 'go-demo-2', '-o', 'jsonpath={.status.containerStatuses[*].ready}'], (s) => s === 'true true');
    const other = NODES.find((n) => n !== node) ?? '';
    const r = await waitFor('hello across nodes', async () => {
      const res = await curlFromNode(other, `http://${ip}:8080/demo/hello`);
      return res.stdout === 'hello, world!\n' ? res : undefined;
    });
    assert.equal(r.stdout, 'hello, world!\n');
    await berthOk('delete', '-f', 'pod/go-demo-2.yml');
  });

  test('chapter 3: a failing liveness probe restarts the container', async () => {
    await berthOk('create', '-f', 'pod/go-demo-2-health.yml');
    await until('a restart', ['get', 'pod', 'go-demo-2', '-o', 'jsonpath={.status.containerStatuses[?(@.name=="api")].restartCount}'], (s) => Number(s) >= 1, 3 * MINUTE);
    const describe = await berthOk('describe', 'pod', 'go-demo-2');
    assert.match(describe, /Liveness probe failed: HTTP probe failed with statuscode: 404/);
    assert.match(describe, /Container api failed liveness probe, will be restarted/);
    await berthOk('delete', '-f', 'pod/go-demo-2-health.yml');
  });

  test('chapter 10: the default service account and its token secret, mounted read-only in every pod', async () => {
    await until('the default service account', ['get', 'serviceaccounts'], (s) => /^default\s+1\s+\S+$/m.test(s));
    const secrets = await until('its token secret', ['get', 'secrets'], (s) => /^default-token-[a-z0-9]{5}\s+kubernetes\.io\/service-account-token\s+3\s+/m.test(s));
    const token = /^(default-token-[a-z0-9]{5})/m.exec(secrets)?.[1] ?? '';
    await applyText('apiVersion: v1\nkind: Pod\nmetadata:\n  name: sa-check\nspec:\n  containers:\n  - name: c\n    image: busybox\n    command: [sleep, "600"]\n');
    await until('sa-check Running', ['get', 'pod', 'sa-check', '-o', 'jsonpath={.status.phase}'], (s) => s === 'Running');
    // `kubectl exec -it $POD_NAME -- ls /var/run/secrets/kubernetes.io/serviceaccount`
    assert.equal(await berthOk('exec', 'sa-check', '--', 'ls', '/var/run/secrets/kubernetes.io/serviceaccount'), 'ca.crt\nnamespace\ntoken\n');
    assert.equal(await berthOk('exec', 'sa-check', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'), 'default');
    const describe = await berthOk('describe', 'pod', 'sa-check');
    assert.match(describe, new RegExp(`/var/run/secrets/kubernetes.io/serviceaccount from ${token} \\(ro\\)`));
    assert.match(describe, new RegExp(`SecretName:\\s+${token}`));
    // The token speaks for system:serviceaccount:default:default at the API (no client certificate).
    const jwt = Buffer.from(await berthOk('get', 'secret', token, '-o', 'jsonpath={.data.token}'), 'base64').toString();
    const server = await berthOk('config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}');
    const ca = await berthOk('config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}');
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'berth-e2e-sa-')), 'config');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${ca}\nusers:\n- name: sa\n  user:\n    token: ${jwt}\ncontexts:\n- name: sa\n  context: {cluster: c, user: sa, namespace: default}\ncurrent-context: sa\n`);
    // Authenticated, but RBAC grants a service account nothing until it is bound to a role.
    const denied = await berth('--kubeconfig', kubeconfig, 'get', 'pod', 'sa-check');
    assert.deepEqual({ code: denied.code, stderr: denied.stderr }, {
      code: 1,
      stderr: 'Error from server (Forbidden): pods "sa-check" is forbidden: User "system:serviceaccount:default:default" cannot get pods in the namespace "default"\n',
    });
    await berthOk('create', 'rolebinding', 'sa-view', '--clusterrole', 'view', '--serviceaccount', 'default:default');
    await waitFor('the binding in force', async () => ((await berth('--kubeconfig', kubeconfig, 'get', 'pod', 'sa-check')).code === 0 ? true : undefined));
    assert.match(await berthOk('--kubeconfig', kubeconfig, 'get', 'pod', 'sa-check'), /^sa-check\s+1\/1\s+Running/m);
    await berthOk('delete', 'rolebinding', 'sa-view');
    const forged = await berth('--kubeconfig', kubeconfig, '--token', `${jwt.slice(0, -4)}AAAA`, 'get', 'pods');
    assert.deepEqual({ code: forged.code, stderr: forged.stderr }, { code: 1, stderr: 'error: You must be logged in to the server (Unauthorized)\n' });
    // A bound token from the TokenRequest API (`create token`) speaks for the same account.
    const bound = (await berthOk('create', 'token', 'default', '--duration', '10m')).trim();
    const boundDenied = await berth('--kubeconfig', kubeconfig, '--token', bound, 'get', 'pod', 'sa-check');
    assert.equal(boundDenied.stderr, 'Error from server (Forbidden): pods "sa-check" is forbidden: User "system:serviceaccount:default:default" cannot get pods in the namespace "default"\n');
    rmSync(dirname(kubeconfig), { recursive: true, force: true });
    await berthOk('delete', 'pod', 'sa-check', '--grace-period', '1');
  });

  test('chapter 4: a ReplicaSet replaces a deleted pod', async () => {
    await berthOk('create', '-f', 'rs/go-demo-2.yml');
    const running = (out: string): string[] => out.split('\n').filter((l) => / Running /.test(l)).map((l) => l.split(' ')[0] ?? '');
    const first = running(await until('2 pods Running', ['get', 'pods', '-l', 'service=go-demo-2', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {"\\n"}{end}'], (s) => running(s).length === 2));
    await berthOk('delete', 'pod', first[0] ?? '');
    await waitFor('a replacement Running', async () => {
      const now = running(await podsOf('service=go-demo-2'));
      return now.length === 2 && !now.includes(first[0] ?? '') ? now : undefined;
    }, 2 * MINUTE);
    assert.match(await berthOk('get', 'rs', 'go-demo-2'), /^go-demo-2\s+2\s+2\s+2\s+/m);
    await berthOk('delete', '-f', 'rs/go-demo-2.yml');
  });

  test('chapters 5-6: services by NodePort on every node and by DNS name; a rollout and a rollback with zero failed requests', async () => {
    await berthOk('create', '-f', 'deploy/go-demo-2-db.yml');
    await berthOk('create', '-f', 'deploy/go-demo-2-db-svc.yml');
    await berthOk('create', '-f', 'deploy/go-demo-2-api.yml', '--record');
    await berthOk('create', '-f', 'svc/go-demo-2-api-svc.yml');
    await until('3 api replicas available', ['get', 'deploy', 'go-demo-2-api', '-o', 'jsonpath={.status.availableReplicas}'], (s) => s === '3', 3 * MINUTE);
    const nodePort = await berthOk('get', 'svc', 'go-demo-2-api', '-o', 'jsonpath={.spec.ports[0].nodePort}');
    for (const i of [0, 1]) {
      const url = `http://${nodeIP(i)}:${nodePort}/demo/hello`;
      const r = await waitFor(`NodePort on ${NODES[i]}`, async () => ((await curlFromNode(NODES[1 - i] ?? '', url)).stdout === 'hello, world!\n' ? true : undefined));
      assert.ok(r);
    }

    // By name, from a pod: the kubelet's resolv.conf, cluster DNS and the ClusterIP.
    await applyText(`apiVersion: v1
kind: Pod
metadata: {name: dns-check}
spec:
  restartPolicy: Never
  containers:
  - name: wget
    image: alpine
    command: ["sh", "-c", "wget -qO- http://go-demo-2-api:8080/demo/hello && wget -qO- http://go-demo-2-api.default.svc.cluster.local:8080/demo/hello"]
`);
    await until('dns-check Succeeded', ['get', 'pod', 'dns-check', '-o', 'jsonpath={.status.phase}'], (s) => s === 'Succeeded' || s === 'Failed');
    assert.equal(await berthOk('logs', 'dns-check'), 'hello, world!\nhello, world!\n');
    await berthOk('delete', 'pod', 'dns-check');

    // Requests through node 1's NodePort for the whole rollout and rollback.
    const failures: string[] = [];
    let ok = 0;
    const seen = new Set<string>();
    let load = true;
    const loader = (async () => {
      while (load) {
        const r = await get(`http://${nodeIP(0)}:${nodePort}/demo/hello`);
        if ('error' in r) failures.push(r.error);
        else if (r.status !== 200) failures.push(`HTTP ${r.status}`);
        else {
          ok++;
          seen.add(r.body.trim());
        }
      }
    })();
    try {
      await berthOk('set', 'image', '-f', 'deploy/go-demo-2-api.yml', 'api=vfarcic/go-demo-2:2.0', '--record');
      assert.match(await berthOk('rollout', 'status', '-f', 'deploy/go-demo-2-api.yml'), /deployment "go-demo-2-api" successfully rolled out/);
      await waitFor('release 2.0 answering', async () => (seen.has('hello, release 2.0!') ? true : undefined));
      await berthOk('rollout', 'undo', '-f', 'deploy/go-demo-2-api.yml');
      assert.match(await berthOk('rollout', 'status', '-f', 'deploy/go-demo-2-api.yml'), /successfully rolled out/);
    } finally {
      load = false;
      await loader;
    }
    const history = await berthOk('rollout', 'history', '-f', 'deploy/go-demo-2-api.yml');
    assert.match(history, /REVISION\s+CHANGE-CAUSE/);
    assert.ok(ok > 20, `only ${ok} requests answered`);
    assert.deepEqual(failures, [], `${failures.length} of ${ok + failures.length} requests failed during the rollout and rollback`);
    assert.ok(seen.has('hello, world!') && seen.has('hello, release 2.0!'), [...seen].join(', '));
  });

  test('chapter 12: a user certificate made with openssl, RBAC bindings, auth can-i and impersonation', async () => {
    // The book's session, with the cluster's CA standing in for minikube's.
    const work = mkdtempSync(join(tmpdir(), 'berth-e2e-ch12-'));
    const pki = join(clusterEnv()['BERTH_HOME'] ?? '', 'pki');
    const ssl = async (...args: string[]): Promise<string> => {
      const r = await sh('openssl', args, { cwd: work });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    await ssl('genrsa', '-out', 'jdoe.key', '2048');
    await ssl('req', '-new', '-key', 'jdoe.key', '-out', 'jdoe.csr', '-subj', '/CN=jdoe/O=devs');
    await ssl('x509', '-req', '-in', 'jdoe.csr', '-CA', join(pki, 'ca.crt'), '-CAkey', join(pki, 'ca.key'), '-CAcreateserial', '-out', 'jdoe.crt', '-days', '365');
    const config = join(work, 'config');
    copyFileSync(clusterEnv()['KUBECONFIG'] ?? '', config);
    const b = (...args: string[]) => sh('node', [BERTH, '--kubeconfig', config, ...args], { cwd: SPECS });
    const ok = async (...args: string[]): Promise<string> => {
      const r = await b(...args);
      assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const canI = async (...args: string[]): Promise<string> => {
      const r = await b(...args);
      return `${r.stdout.trim()} ${r.code}`;
    };
    const server = await ok('config', 'view', '-o', 'jsonpath={.clusters[?(@.name=="berth")].cluster.server}');
    await ok('config', 'set-cluster', 'jdoe', '--certificate-authority', join(pki, 'ca.crt'), '--server', server);
    await ok('config', 'set-credentials', 'jdoe', '--client-certificate', join(work, 'jdoe.crt'), '--client-key', join(work, 'jdoe.key'));
    await ok('config', 'set-context', 'jdoe', '--cluster', 'jdoe', '--user', 'jdoe');
    await ok('config', 'use-context', 'jdoe');
    const denied = await b('get', 'pods');
    assert.deepEqual({ code: denied.code, stderr: denied.stderr }, { code: 1, stderr: 'Error from server (Forbidden): pods is forbidden: User "jdoe" cannot list pods in the namespace "default"\n' });
    await ok('config', 'use-context', 'berth');
    assert.equal(await canI('auth', 'can-i', 'get', 'pods', '--as', 'jdoe'), 'no 1');
    assert.equal(await canI('auth', 'can-i', '*', '*'), 'yes 0');
    assert.match(await ok('describe', 'clusterrole', 'view'), /^Labels:\s+kubernetes\.io\/bootstrapping=rbac-defaults$/m);
    await ok('create', 'rolebinding', 'jdoe', '--clusterrole', 'view', '--user', 'jdoe', '--namespace', 'default', '--save-config');
    await waitFor('jdoe may get pods', async () => ((await canI('auth', 'can-i', 'get', 'pods', '--as', 'jdoe')) === 'yes 0' ? true : undefined));
    assert.equal(await canI('auth', 'can-i', 'get', 'pods', '--as', 'jdoe', '--all-namespaces'), 'no 1');
    await ok('delete', 'rolebinding', 'jdoe');
    await ok('create', '-f', 'auth/rb-dev.yml', '--record', '--save-config');
    await ok('create', '-f', 'auth/crb-release-manager.yml', '--record', '--save-config');
    await waitFor('admin in dev', async () => ((await canI('--namespace', 'dev', 'auth', 'can-i', 'create', 'deployments', '--as', 'jdoe')) === 'yes 0' ? true : undefined));
    assert.equal(await canI('--namespace', 'dev', 'auth', 'can-i', '*', '*', '--as', 'jdoe'), 'no 1');
    await waitFor('release-manager in default', async () => ((await canI('--namespace', 'default', 'auth', 'can-i', '*', 'pods', '--as', 'jdoe')) === 'yes 0' ? true : undefined));
    assert.equal(await canI('--namespace', 'default', 'auth', 'can-i', 'delete', 'deployments', '--as', 'jdoe'), 'no 1');
    // As jdoe: what release-manager allows works, what it does not is Forbidden.
    await ok('config', 'use-context', 'jdoe');
    await ok('--namespace', 'default', 'create', 'deployment', 'db', '--image', 'mongo:3.3');
    const del = await b('--namespace', 'default', 'delete', 'deployment', 'db');
    assert.equal(del.stderr, 'Error from server (Forbidden): deployments.apps "db" is forbidden: User "jdoe" cannot delete deployments.apps in the namespace "default"\n');
    // The group from the certificate's O= (auth/groups.yml binds the group devs).
    await ok('config', 'use-context', 'berth');
    await ok('apply', '-f', 'auth/groups.yml', '--record');
    await ok('config', 'use-context', 'jdoe');
    assert.equal(await ok('--namespace', 'dev', 'create', 'deployment', 'new-db', '--image', 'mongo:3.3'), 'deployment.apps/new-db created\n');
    await ok('config', 'use-context', 'berth');
    // Impersonating the user alone carries none of its certificate's groups.
    assert.equal(await canI('--namespace', 'dev', 'auth', 'can-i', 'create', 'deployments', '--as', 'jdoe'), 'no 1');
    assert.equal(await canI('--namespace', 'dev', 'auth', 'can-i', 'create', 'deployments', '--as', 'jdoe', '--as-group', 'devs'), 'yes 0');
    await ok('delete', 'deployment', 'db');
    await ok('delete', '-f', 'auth/groups.yml');
    await ok('delete', '-f', 'auth/crb-release-manager.yml');
    rmSync(work, { recursive: true, force: true });
  });

  test("a node whose kubelet is killed: it goes NotReady and its pods come back on the other node", async () => {
    const victim = NODES[1] ?? '';
    const before = await podsOf('type=api');
    assert.ok(before.split('\n').some((l) => l.includes(` ${victim} `)), `no api pod on ${victim} to lose:\n${before}`);
    process.kill(kubeletPid(victim), 'SIGKILL');
    await until(`${victim} NotReady`, ['get', 'node', victim], (s) => new RegExp(`^${victim}\\s+NotReady`, 'm').test(s), 2 * MINUTE);
    await waitFor('3 api pods Running on the surviving node', async () => {
      const lines = (await podsOf('type=api')).split('\n').filter((l) => / Running /.test(l));
      // The lost node's pods stay Terminating (nobody can confirm they stopped), as in Kubernetes.
      return lines.length === 3 && lines.every((l) => l.includes(` ${NODES[0]} `)) ? lines : undefined;
    }, 3 * MINUTE);
    const r = await curlFromNode(NODES[0] ?? '', `http://${nodeIP(0)}:${await berthOk('get', 'svc', 'go-demo-2-api', '-o', 'jsonpath={.spec.ports[0].nodePort}')}/demo/hello`);
    assert.match(r.stdout, /^hello, /);
  });
});
