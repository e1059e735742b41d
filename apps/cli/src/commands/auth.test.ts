// SPDX-License-Identifier: Apache-2.0
// `berth auth can-i` against a FakeApi whose authorizer stands in for the apiserver's RBAC.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationAttributes, Authorizer, SubjectRules } from '@berth/api';
import { FakeApi } from '@berth/client/testing';
import { berth, NOW } from './cli.test-helper';

const NOTHING: SubjectRules = { resourceRules: [], nonResourceRules: [], incomplete: false, evaluationError: '' };

/** The book's jdoe once bound to `admin` in dev: deployments there, nothing elsewhere. */
const jdoe: Authorizer = {
  authorize: (a) => ({ allowed: a.namespace === 'dev' && a.apiGroup === 'apps' && a.resource === 'deployments', reason: '' }),
  rulesFor: () => NOTHING,
};

/** A FakeApi that answers reviews with `authorizer` and remembers what it was asked. */
function cluster(authorizer?: Authorizer): { api: FakeApi; asked: AuthorizationAttributes[] } {
  const asked: AuthorizationAttributes[] = [];
  const api = new FakeApi({
    now: () => NOW,
    ...(authorizer
      ? {
          authorizer: {
            authorize: (a) => {
              asked.push(a);
              return authorizer.authorize(a);
            },
            rulesFor: (u, ns) => authorizer.rulesFor(u, ns),
          },
        }
      : {}),
  });
  return { api, asked };
}

describe('auth can-i', () => {
  test('an apiserver without authorization allows everything: yes, exit 0, and nothing is stored', async () => {
    const { api } = cluster();
    assert.deepEqual(await berth(api, ['auth', 'can-i', 'get', 'pods']), { code: 0, stdout: 'yes\n', stderr: '' });
    assert.deepEqual(await berth(api, ['auth', 'can-i', '*', '*']), { code: 0, stdout: 'yes\n', stderr: '' });
    const sent = api.actions().filter((a) => a.verb === 'create');
    assert.deepEqual(
      sent.map((a) => [a.group, a.resource, a.namespace]),
      [
        ['authorization.k8s.io', 'selfsubjectaccessreviews', ''],
        ['authorization.k8s.io', 'selfsubjectaccessreviews', ''],
      ],
    );
    assert.deepEqual(sent[0]?.object, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'get', group: '', resource: 'pods' } },
    });
    assert.deepEqual(api.storedAll({ group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews' }), []);
  });

  test("the book's session: no for pods, yes for deployments in dev, no across all namespaces", async () => {
    const { api, asked } = cluster(jdoe);
    assert.deepEqual(await berth(api, ['auth', 'can-i', 'get', 'pods', '--as', 'jdoe']), { code: 1, stdout: 'no\n', stderr: '' });
    assert.deepEqual(await berth(api, ['--namespace', 'dev', 'auth', 'can-i', 'create', 'deployments', '--as', 'jdoe']), {
      code: 0,
      stdout: 'yes\n',
      stderr: '',
    });
    assert.deepEqual(await berth(api, ['auth', 'can-i', 'get', 'pods', '--as', 'jdoe', '--all-namespaces']), { code: 1, stdout: 'no\n', stderr: '' });
    assert.deepEqual(await berth(api, ['-n', 'dev', 'auth', 'can-i', '*', '*']), { code: 1, stdout: 'no\n', stderr: '' });
    const q = (a: AuthorizationAttributes): string => `${a.verb} ${a.apiGroup}/${a.resource} ns=${a.namespace}`;
    assert.deepEqual(asked.map(q), ['get /pods ns=default', 'create apps/deployments ns=dev', 'get /pods ns=', '* /* ns=dev']);
  });

  test('-q prints nothing, the exit code answers; a reason follows "no"', async () => {
    const { api } = cluster({
      authorize: (a) => ({ allowed: false, reason: a.resource === 'secrets' ? 'no RBAC policy matched' : '' }),
      rulesFor: () => NOTHING,
    });
    assert.deepEqual(await berth(api, ['auth', 'can-i', 'get', 'pods', '-q']), { code: 1, stdout: '', stderr: '' });
    assert.deepEqual(await berth(api, ['auth', 'can-i', 'list', 'secrets']), { code: 1, stdout: 'no - no RBAC policy matched\n', stderr: '' });
    const { api: open } = cluster();
    assert.deepEqual(await berth(open, ['auth', 'can-i', 'get', 'pods', '--quiet']), { code: 0, stdout: '', stderr: '' });
  });

  test('types resolve as kubectl resolves them: shortcuts, groups, names, subresources, URLs', async () => {
    const { api, asked } = cluster({ authorize: () => ({ allowed: true, reason: '' }), rulesFor: () => NOTHING });
    const ask = async (...args: string[]): Promise<AuthorizationAttributes> => {
      const r = await berth(api, ['auth', 'can-i', ...args]);
      assert.equal(r.code, 0, r.stderr);
      return asked[asked.length - 1] as AuthorizationAttributes;
    };
    const attrs = (a: AuthorizationAttributes): string =>
      a.resourceRequest ? `${a.verb} ${a.apiGroup}/${a.resource}/${a.subresource} ${a.name} ns=${a.namespace}` : `${a.verb} ${a.path}`;
    assert.equal(attrs(await ask('list', 'deploy')), 'list apps/deployments/  ns=default');
    assert.equal(attrs(await ask('list', 'deployments.apps')), 'list apps/deployments/  ns=default');
    assert.equal(attrs(await ask('list', 'jobs.batch/bar', '-n', 'foo')), 'list batch/jobs/ bar ns=foo');
    assert.equal(attrs(await ask('delete', 'pods', 'db')), 'delete /pods/ db ns=default');
    assert.equal(attrs(await ask('get', 'pods', '--subresource', 'log')), 'get /pods/log  ns=default');
    assert.equal(attrs(await ask('create', 'rolebindings', '-A')), 'create rbac.authorization.k8s.io/rolebindings/  ns=');
    assert.equal(attrs(await ask('get', '/logs/')), 'get /logs/');
    assert.equal(attrs(await ask('impersonate', 'users', '--all-namespaces')), 'impersonate /users/  ns=');
  });

  test("kubectl's warnings: an unknown type or verb, a cluster-scoped type in a namespace", async () => {
    const { api } = cluster();
    assert.deepEqual(await berth(api, ['auth', 'can-i', 'get', 'foo']), {
      code: 0,
      stdout: 'yes\n',
      stderr: "Warning: the server doesn't have a resource type 'foo'\n\n",
    });
    assert.equal((await berth(api, ['auth', 'can-i', 'get', 'foos.example.com'])).stderr, "Warning: the server doesn't have a resource type 'foos' in group 'example.com'\n\n");
    assert.equal((await berth(api, ['auth', 'can-i', 'get', 'nodes'])).stderr, "Warning: resource 'nodes' is not namespace scoped\n\n");
    assert.equal(
      (await berth(api, ['auth', 'can-i', 'get', 'clusterroles'])).stderr,
      "Warning: resource 'clusterroles' is not namespace scoped in group 'rbac.authorization.k8s.io'\n\n",
    );
    assert.equal((await berth(api, ['auth', 'can-i', 'get', 'nodes', '-A'])).stderr, '');
    assert.equal((await berth(api, ['auth', 'can-i', 'frobnicate', 'pods'])).stderr, "Warning: verb 'frobnicate' is not a known verb\n\n");
    assert.equal((await berth(api, ['auth', 'can-i', 'list', '/healthz'])).stderr, "Warning: verb 'list' is not a known verb\n\n");
    // The unknown type is asked about as typed, in no group.
    const create = api.actions().filter((a) => a.verb === 'create')[0];
    assert.deepEqual((create?.object?.spec as { resourceAttributes: unknown }).resourceAttributes, { namespace: 'default', verb: 'get', group: '', resource: 'foo' });
  });

  test('usage errors', async () => {
    const { api } = cluster();
    const usage = "error: you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'berth auth can-i -h' for help and examples.\n";
    assert.deepEqual(await berth(api, ['auth', 'can-i', 'get']), { code: 1, stdout: '', stderr: usage });
    assert.equal((await berth(api, ['auth', 'can-i', 'get', 'pods/db', 'x'])).stderr, usage);
    assert.equal((await berth(api, ['auth', 'can-i', 'get', '/logs', '--subresource', 'log'])).stderr, 'error: --subresource can not be used with NonResourceURL\n');
    assert.equal((await berth(api, ['auth', 'can-i', '--list', 'get', 'pods'])).stderr, 'error: list option must be specified with no arguments\n');
    assert.equal(
      (await berth(api, ['auth', 'can-i', '--list', '-A'])).stderr,
      "error: list option can't be specified with neither quiet, all-namespaces nor subresource options\n",
    );
    assert.equal((await berth(api, ['auth', 'can-i', 'get', 'pods', '--no-headers'])).stderr, 'error: --no-headers cannot be set without --list specified\n');
    assert.deepEqual(api.actions(), [], 'nothing was asked');
  });

  test('--list: the rules review of the namespace, as kubectl tables it', async () => {
    const namespaces: string[] = [];
    const { api } = cluster({
      authorize: () => ({ allowed: false, reason: '' }),
      rulesFor: (_user, ns) => {
        namespaces.push(ns);
        return {
          resourceRules: [
            { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['services', 'pods'], resourceNames: [] },
            { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectrulesreviews', 'selfsubjectaccessreviews'], resourceNames: [] },
            { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] },
            { verbs: ['watch'], apiGroups: [''], resources: ['pods'], resourceNames: [] },
          ],
          nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/version', '/healthz'] }],
          incomplete: false,
          evaluationError: '',
        };
      },
    });
    const r = await berth(api, ['auth', 'can-i', '--list', '-n', 'dev']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'Resources                                       Non-Resource URLs   Resource Names   Verbs',
        'selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]',
        'selfsubjectrulesreviews.authorization.k8s.io    []                  []               [create]',
        'pods                                            []                  []               [get list watch]',
        'services                                        []                  []               [get list watch]',
        '                                                [/healthz]          []               [get]',
        '                                                [/version]          []               [get]',
        'deployments.apps                                []                  [web]            [get]',
        '',
      ].join('\n'),
    );
    assert.deepEqual(namespaces, ['dev']);
    const bare = await berth(api, ['auth', 'can-i', '--list', '--no-headers']);
    assert.match(bare.stdout, /^selfsubjectaccessreviews\.authorization\.k8s\.io {3}\[\]/);
    assert.deepEqual(namespaces, ['dev', 'default']);
  });

  test('--list without authorization: everything; an incomplete list is warned about', async () => {
    const { api } = cluster();
    assert.deepEqual(await berth(api, ['auth', 'can-i', '--list']), {
      code: 0,
      stdout:
        'Resources   Non-Resource URLs   Resource Names   Verbs\n' +
        '*.*         []                  []               [*]\n' +
        '            [*]                 []               [*]\n',
      stderr: '',
    });
    const { api: partial } = cluster({
      authorize: () => ({ allowed: false, reason: '' }),
      rulesFor: () => ({ ...NOTHING, incomplete: true, evaluationError: 'clusterrole.rbac.authorization.k8s.io "gone" not found' }),
    });
    assert.deepEqual(await berth(partial, ['auth', 'can-i', '--list']), {
      code: 0,
      stdout: 'Resources   Non-Resource URLs   Resource Names   Verbs\n',
      stderr: 'Warning: the list may be incomplete: clusterrole.rbac.authorization.k8s.io "gone" not found\n',
    });
  });
});
