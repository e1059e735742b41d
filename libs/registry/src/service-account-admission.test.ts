// SPDX-License-Identifier: Apache-2.0
// The ServiceAccount admission step through the Registry, over MemoryStorage: what a pod
// reads back as after create, with and without the account and its token Secret.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StatusError, type KubeObject, type ResourceRef } from '@berth/api';
import { MemoryStorage } from '@berth/storage';
import { Registry } from './registry';
import { SERVICE_ACCOUNT_MOUNT_PATH } from './service-account-admission';

const ref = (resource: string, namespace: string, name = ''): ResourceRef => ({ group: '', version: 'v1', resource, namespace, name, subresource: '' });
const ctx = {};
let registry: Registry;

type Mount = { name: string; mountPath: string; readOnly?: boolean };
type Container = { name: string; image: string; volumeMounts?: Mount[] };
type PodSpec = {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  volumes?: Record<string, unknown>[];
  containers: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  imagePullSecrets?: { name: string }[];
};
const specOf = (pod: KubeObject): PodSpec => pod['spec'] as PodSpec;

before(async () => {
  registry = new Registry({ storage: new MemoryStorage() });
  await registry.start();
});
after(() => registry.stop());

let namespaces = 0;
/** A fresh namespace per test: no ServiceAccount, not even `default`, until the test makes one. */
async function namespace(): Promise<string> {
  const name = `sa-test-${++namespaces}`;
  await registry.create(ctx, ref('namespaces', ''), { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, {});
  return name;
}

async function serviceAccount(ns: string, name: string, extra: Record<string, unknown> = {}): Promise<KubeObject> {
  const { object } = await registry.create(ctx, ref('serviceaccounts', ns), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name }, ...extra }, {});
  return object;
}

/** The token Secret the tokens controller would make for `sa`; listed in the account unless `listed` is false. */
async function tokenSecret(sa: KubeObject, secretName: string, opts: { listed?: boolean; uid?: string } = {}): Promise<KubeObject> {
  const ns = sa.metadata?.namespace ?? '';
  const saName = sa.metadata?.name ?? '';
  await registry.create(ctx, ref('secrets', ns), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, annotations: { 'kubernetes.io/service-account.name': saName, 'kubernetes.io/service-account.uid': opts.uid ?? sa.metadata?.uid ?? '' } },
    type: 'kubernetes.io/service-account-token',
    data: { token: Buffer.from('jwt').toString('base64') },
  }, {});
  if (opts.listed === false) return sa;
  const current = await registry.get(ctx, ref('serviceaccounts', ns, saName));
  const secrets = [...((current['secrets'] as { name: string }[] | undefined) ?? []), { name: secretName }];
  return (await registry.update(ctx, ref('serviceaccounts', ns, saName), { ...current, secrets }, {})).object;
}

async function createPod(ns: string, name: string, spec: Partial<PodSpec> = {}, opts: { dryRun?: boolean } = {}): Promise<KubeObject> {
  const { object } = await registry.create(ctx, ref('pods', ns), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  }, opts);
  return object;
}

const tokenMount = (volume: string): Mount => ({ name: volume, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH });
const tokenVolume = (secret: string, name = secret): Record<string, unknown> => ({ name, secret: { secretName: secret, defaultMode: 420 } });

describe('ServiceAccount admission', () => {
  test('a pod runs as `default` when it names no account; without that account yet it is admitted with no token', async () => {
    const ns = await namespace();
    const pod = await createPod(ns, 'web');
    const spec = specOf(pod);
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    assert.equal(spec.volumes, undefined);
    assert.equal(spec.containers[0]?.volumeMounts, undefined);
    assert.deepEqual(specOf(await registry.get(ctx, ref('pods', ns, 'web'))).serviceAccountName, 'default', 'as stored');
  });

  test('the deprecated spec.serviceAccount names the account when serviceAccountName is empty', async () => {
    const ns = await namespace();
    await serviceAccount(ns, 'builder');
    const spec = specOf(await createPod(ns, 'web', { serviceAccount: 'builder' }));
    assert.equal(spec.serviceAccountName, 'builder');
    assert.equal(spec.serviceAccount, 'builder');
    const named = specOf(await createPod(ns, 'named', { serviceAccountName: 'builder', serviceAccount: 'other' }));
    assert.deepEqual([named.serviceAccountName, named.serviceAccount], ['builder', 'builder'], 'serviceAccountName wins; both end up equal');
  });

  test('a pod naming an account that does not exist is Forbidden, in Kubernetes\' words, and not stored', async () => {
    const ns = await namespace();
    const forbidden = (name: string) => (e: unknown): boolean => {
      assert.ok(e instanceof StatusError, String(e));
      assert.equal(e.reason, 'Forbidden');
      assert.equal(e.code, 403);
      assert.equal(e.message, `pods "${name}" is forbidden: error looking up service account ${ns}/jenkins: serviceaccount "jenkins" not found`);
      return true;
    };
    await assert.rejects(createPod(ns, 'web', { serviceAccountName: 'jenkins' }), forbidden('web'));
    await assert.rejects(registry.get(ctx, ref('pods', ns, 'web')), /not found/);
    await assert.rejects(createPod(ns, 'web', { serviceAccount: 'jenkins' }), forbidden('web'));
    // As Kubernetes: admission runs before the name is generated, so its errors show the generateName.
    await assert.rejects(
      registry.create(ctx, ref('pods', ns), { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'pi-' }, spec: { serviceAccountName: 'jenkins', containers: [{ name: 'c', image: 'busybox' }] } }, {}),
      forbidden('pi-'),
    );
  });

  test('the account\'s token is mounted read-only in every container and init container, once', async () => {
    const ns = await namespace();
    await tokenSecret(await serviceAccount(ns, 'default'), 'default-token-l9fhk');
    const own = { name: 'own', mountPath: SERVICE_ACCOUNT_MOUNT_PATH, readOnly: true };
    const pod = await createPod(ns, 'web', {
      volumes: [{ name: 'own', emptyDir: {} }, { name: 'data', emptyDir: {} }],
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [
        { name: 'app', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'mounts-its-own', image: 'busybox', volumeMounts: [own] },
      ],
      ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
    });
    const spec = specOf(pod);
    assert.equal(spec.serviceAccountName, 'default');
    assert.deepEqual(spec.volumes, [{ name: 'own', emptyDir: {} }, { name: 'data', emptyDir: {} }, tokenVolume('default-token-l9fhk')]);
    assert.deepEqual(spec.initContainers?.[0]?.volumeMounts, [tokenMount('default-token-l9fhk')]);
    assert.deepEqual(spec.containers[0]?.volumeMounts, [{ name: 'data', mountPath: '/data' }, tokenMount('default-token-l9fhk')], 'appended at the end');
    assert.deepEqual(spec.containers[1]?.volumeMounts, [own], 'a container mounting something at the path keeps it');
    assert.equal(spec.ephemeralContainers?.[0]?.volumeMounts, undefined, 'ephemeral containers are left alone');
  });

  test('the token: the first listed Secret that is a token of this account; else any such token in the namespace', async () => {
    const ns = await namespace();
    let sa = await serviceAccount(ns, 'default');
    // Not a token of this account: another account's uid, another type, missing.
    await registry.create(ctx, ref('secrets', ns), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque' }, type: 'Opaque' }, {});
    sa = await tokenSecret(sa, 'stale-token', { uid: 'uid-of-a-deleted-account' });
    sa = (await registry.update(ctx, ref('serviceaccounts', ns, 'default'), { ...sa, secrets: [{ name: 'missing' }, { name: 'opaque' }, ...(sa['secrets'] as object[])] }, {})).object;
    assert.equal(specOf(await createPod(ns, 'none')).volumes, undefined, 'no usable token: admitted without one');

    // Created but not yet listed in the account (the tokens controller lists it next).
    await tokenSecret(sa, 'default-token-aaaaa', { listed: false });
    assert.deepEqual(specOf(await createPod(ns, 'unlisted')).volumes, [tokenVolume('default-token-aaaaa')]);

    // A listed token comes first.
    sa = await tokenSecret(sa, 'default-token-zzzzz');
    assert.deepEqual(specOf(await createPod(ns, 'listed')).volumes, [tokenVolume('default-token-zzzzz')]);
  });

  test('a volume that already holds the token is reused; a different volume of its name makes a suffixed one', async () => {
    const ns = await namespace();
    await tokenSecret(await serviceAccount(ns, 'default'), 'default-token-l9fhk');
    const reused = specOf(await createPod(ns, 'reused', { volumes: [{ name: 'token', secret: { secretName: 'default-token-l9fhk' } }] }));
    assert.deepEqual(reused.volumes, [tokenVolume('default-token-l9fhk', 'token')]);
    assert.deepEqual(reused.containers[0]?.volumeMounts, [tokenMount('token')]);

    const clash = specOf(await createPod(ns, 'clash', { volumes: [{ name: 'default-token-l9fhk', emptyDir: {} }] }));
    const added = clash.volumes?.[1] as { name: string };
    assert.match(added.name, /^default-token-l9fhk-[a-z0-9]{5}$/);
    assert.deepEqual(clash.volumes, [{ name: 'default-token-l9fhk', emptyDir: {} }, tokenVolume('default-token-l9fhk', added.name)]);
    assert.deepEqual(clash.containers[0]?.volumeMounts, [tokenMount(added.name)]);

    // No container needs it: no volume either.
    const mounted = { name: 'own', mountPath: SERVICE_ACCOUNT_MOUNT_PATH };
    const unused = specOf(await createPod(ns, 'unused', { volumes: [{ name: 'own', emptyDir: {} }], containers: [{ name: 'c', image: 'busybox', volumeMounts: [mounted] }] }));
    assert.deepEqual(unused.volumes, [{ name: 'own', emptyDir: {} }]);
  });

  test('automountServiceAccountToken: the pod\'s setting wins over the account\'s', async () => {
    const ns = await namespace();
    await tokenSecret(await serviceAccount(ns, 'default'), 'default-token-l9fhk');
    await tokenSecret(await serviceAccount(ns, 'quiet', { automountServiceAccountToken: false }), 'quiet-token-x27md');
    const volumes = async (name: string, spec: Partial<PodSpec>): Promise<unknown> => {
      const s = specOf(await createPod(ns, name, spec));
      assert.equal(s.containers[0]?.volumeMounts?.length, s.volumes ? 1 : undefined, 'a mount exactly when there is a volume');
      return s.volumes;
    };
    assert.equal(await volumes('pod-off', { automountServiceAccountToken: false }), undefined);
    assert.equal(await volumes('sa-off', { serviceAccountName: 'quiet' }), undefined);
    assert.deepEqual(await volumes('pod-on', { serviceAccountName: 'quiet', automountServiceAccountToken: true }), [tokenVolume('quiet-token-x27md')]);
    assert.deepEqual(await volumes('default-on', {}), [tokenVolume('default-token-l9fhk')]);
  });

  test('the account\'s imagePullSecrets are copied to a pod that has none', async () => {
    const ns = await namespace();
    await serviceAccount(ns, 'default', { imagePullSecrets: [{ name: 'registry' }] });
    assert.deepEqual(specOf(await createPod(ns, 'copied')).imagePullSecrets, [{ name: 'registry' }]);
    assert.deepEqual(specOf(await createPod(ns, 'own', { imagePullSecrets: [{ name: 'mine' }] })).imagePullSecrets, [{ name: 'mine' }]);
  });

  test('only pod creates: an update adds nothing, other kinds are untouched; a dry run shows what a create would store', async () => {
    const ns = await namespace();
    const before = await createPod(ns, 'web');
    assert.equal(specOf(before).volumes, undefined);
    await tokenSecret(await serviceAccount(ns, 'default'), 'default-token-l9fhk');
    const { object: updated } = await registry.update(ctx, ref('pods', ns, 'web'), { ...before, metadata: { ...before.metadata, labels: { app: 'web' } } }, {});
    assert.equal(updated.metadata?.labels?.['app'], 'web');
    assert.deepEqual(updated['spec'], before['spec'], 'the spec is as created');
    const { object: patched } = await registry.patch(ctx, ref('pods', ns, 'web'), 'application/merge-patch+json', { metadata: { labels: { tier: 'front' } } }, {});
    assert.deepEqual(patched['spec'], before['spec']);

    const { object: deployment } = await registry.create(ctx, { ...ref('deployments', ns), group: 'apps' }, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    }, {});
    const template = (deployment['spec'] as { template: { spec: PodSpec } }).template.spec;
    assert.equal(template.serviceAccountName, undefined, 'pod templates are not pods');
    assert.equal(template.volumes, undefined);

    const dry = specOf(await createPod(ns, 'dry', {}, { dryRun: true }));
    assert.deepEqual(dry.volumes, [tokenVolume('default-token-l9fhk')]);
    await assert.rejects(registry.get(ctx, ref('pods', ns, 'dry')), /not found/);
  });
});
