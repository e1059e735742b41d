// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { internalError } from '@berth/api';
import { generateServiceAccountKeyPair, verifyServiceAccountToken } from '@berth/certs';
import { SharedInformer, type ClientLogger } from '@berth/client';
import { SECRETS, SERVICE_ACCOUNTS } from '../shared/resources';
import { ControllerFixture } from '../shared/test-fixture';
import { serviceAccountTokenController } from './index';
import type { ServiceAccount } from './serviceaccounts-controller';
import { SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, SERVICE_ACCOUNT_UID_ANNOTATION, type Secret } from './token-secrets';
import { TokensController } from './tokens-controller';

const keys = generateServiceAccountKeyPair();
const ROOT_CA = '-----BEGIN CERTIFICATE-----\nMIIBroot\n-----END CERTIFICATE-----\n';
const TOKEN_NAME = /^default-token-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

let f: ControllerFixture;
let c: TokensController | undefined;
afterEach(() => {
  c?.queue.shutDown();
  c = undefined;
  f.stop();
});

const decode = (v: string | undefined): string => Buffer.from(v ?? '', 'base64').toString('utf8');
const sa = (name = 'default', extra: Partial<ServiceAccount> = {}): ServiceAccount => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'dev', uid: `uid-${name}` }, ...extra });
const tokenSecret = (name: string, annotations: Record<string, string>, data?: Record<string, string>): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'dev', annotations },
  type: SERVICE_ACCOUNT_TOKEN_TYPE,
  ...(data ? { data } : {}),
});
const storedSa = (name = 'default'): ServiceAccount | undefined => f.api.stored<ServiceAccount>(SERVICE_ACCOUNTS, 'dev', name);
const secrets = (): Secret[] => f.api.storedAll<Secret>(SECRETS);

async function setup(rootCa = ROOT_CA): Promise<TokensController> {
  c = new TokensController({ client: f.api, serviceAccounts: f.informer(SERVICE_ACCOUNTS), secrets: f.informer(SECRETS), privateKey: keys.privateKey, rootCa, now: () => f.clock });
  await f.start();
  return c;
}

/** Syncs, then lets the informers see the writes, as the next worker pass would. */
async function syncAndSettle(ctl: TokensController, key = 'dev/default'): Promise<void> {
  await ctl.sync(key);
  await f.settle();
}

describe('TokensController', () => {
  test('creates a token Secret with token, namespace and ca.crt, and references it', async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa());
    const ctl = await setup();
    await syncAndSettle(ctl);
    const [secret, ...more] = secrets();
    assert.equal(more.length, 0);
    assert.match(secret?.metadata?.name ?? '', TOKEN_NAME);
    assert.equal(secret?.type, 'kubernetes.io/service-account-token');
    assert.deepEqual(secret?.metadata?.annotations, { 'kubernetes.io/service-account.name': 'default', 'kubernetes.io/service-account.uid': 'uid-default' });
    assert.deepEqual(Object.keys(secret?.data ?? {}).sort(), ['ca.crt', 'namespace', 'token']);
    assert.equal(decode(secret?.data?.['namespace']), 'dev');
    assert.equal(decode(secret?.data?.['ca.crt']), ROOT_CA);
    assert.deepEqual(storedSa()?.secrets, [{ name: secret?.metadata?.name }]);

    const user = await verifyServiceAccountToken(decode(secret?.data?.['token']), keys.publicKey);
    assert.equal(user?.username, 'system:serviceaccount:dev:default');
    assert.deepEqual(user?.claims, { namespace: 'dev', serviceAccountName: 'default', serviceAccountUid: 'uid-default', secretName: secret?.metadata?.name });
  });

  test('without a root CA, ca.crt is there and empty', async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa());
    const ctl = await setup('');
    await syncAndSettle(ctl);
    const data = secrets()[0]?.data ?? {};
    assert.deepEqual(Object.keys(data).sort(), ['ca.crt', 'namespace', 'token']);
    assert.equal(data['ca.crt'], '');
    await syncAndSettle(ctl);
    assert.equal(f.api.writeActions().length, 2, 'an empty ca.crt is not rewritten');
  });

  test('syncing again creates no second token', async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa());
    const ctl = await setup();
    // Twice before the caches have seen anything: the expectation holds the second one back.
    await ctl.sync('dev/default');
    await ctl.sync('dev/default');
    await f.settle();
    await syncAndSettle(ctl);
    assert.equal(secrets().length, 1);
    assert.equal(storedSa()?.secrets?.length, 1);
    assert.deepEqual(
      f.api.writeActions().map((a) => `${a.verb} ${a.resource}`),
      ['create secrets', 'update serviceaccounts'],
    );
  });

  test('a token that exists but is not referenced (crash between the two writes) is referenced, not duplicated', async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa());
    const ctl = await setup();
    let down = true;
    f.api.prependReactor('update', 'serviceaccounts', () => {
      if (down) throw internalError('etcd is down');
    });
    await assert.rejects(ctl.sync('dev/default'), /etcd is down/);
    await f.settle();
    assert.equal(secrets().length, 1);
    assert.equal(storedSa()?.secrets, undefined);
    // The "restart": a new controller with the same API.
    const again = new TokensController({ client: f.api, serviceAccounts: f.informer(SERVICE_ACCOUNTS), secrets: f.informer(SECRETS), privateKey: keys.privateKey });
    f.api.clearActions();
    down = false;
    await again.sync('dev/default');
    again.queue.shutDown();
    assert.equal(secrets().length, 1);
    assert.deepEqual(storedSa()?.secrets, [{ name: secrets()[0]?.metadata?.name }]);
    assert.deepEqual(f.api.writeActions().map((a) => `${a.verb} ${a.resource}`), ['update serviceaccounts']);
  });

  test('a referenced token the Secret cache has not shown yet is not duplicated; a reference to nothing is dropped', async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa('default', { secrets: [{ name: 'default-token-l9fhk' }] }), sa('builder', { secrets: [{ name: 'builder-token-gone2' }] }));
    f.api.seed(SECRETS, tokenSecret('default-token-l9fhk', { [SERVICE_ACCOUNT_NAME_ANNOTATION]: 'default', [SERVICE_ACCOUNT_UID_ANNOTATION]: 'uid-default' }, { token: 'eA==' }));
    // A Secret informer that has not listed yet: the cache is behind the apiserver.
    const behind = new SharedInformer<Secret>(f.api, SECRETS);
    c = new TokensController({ client: f.api, serviceAccounts: f.informer(SERVICE_ACCOUNTS), secrets: behind, privateKey: keys.privateKey });
    await f.start();
    await c.sync('dev/default');
    assert.deepEqual(f.api.writeActions(), []);
    // After a restart, nothing saw builder's token go: its reference looks like ours and is dropped.
    await c.sync('dev/builder');
    const builderTokens = secrets().filter((s) => s.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] === 'builder');
    assert.equal(builderTokens.length, 1);
    assert.deepEqual(storedSa('builder')?.secrets, [{ name: builderTokens[0]?.metadata?.name }]);
  });

  test('a create the Secret cache has not shown yet holds back the next sync (expectations)', async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa());
    const behind = new SharedInformer<Secret>(f.api, SECRETS);
    c = new TokensController({ client: f.api, serviceAccounts: f.informer(SERVICE_ACCOUNTS), secrets: behind, privateKey: keys.privateKey });
    await f.start();
    let down = true;
    f.api.prependReactor('update', 'serviceaccounts', () => {
      if (down) throw internalError('etcd is down');
    });
    await assert.rejects(c.sync('dev/default'), /etcd is down/);
    down = false;
    await f.settle();
    await c.sync('dev/default');
    assert.equal(secrets().length, 1);
    assert.deepEqual(c.expectations.pending('dev/default'), { add: 1, del: 0 });
  });

  test('a deleted token is replaced and its reference dropped', async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa('default', { secrets: [{ name: 'registry-creds' }] }));
    const ctl = await setup();
    await syncAndSettle(ctl);
    const first = secrets()[0]?.metadata?.name ?? '';
    assert.deepEqual(storedSa()?.secrets?.map((r) => r.name), ['registry-creds', first]);
    await f.api.delete(SECRETS, 'dev', first);
    await f.settle();
    assert.equal(ctl.queue.len(), 1, 'the deletion queued the account');
    await syncAndSettle(ctl);
    const [second, ...more] = secrets();
    assert.equal(more.length, 0);
    assert.match(second?.metadata?.name ?? '', TOKEN_NAME);
    assert.notEqual(second?.metadata?.name, first);
    assert.deepEqual(storedSa()?.secrets?.map((r) => r.name), ['registry-creds', second?.metadata?.name], "another Secret's reference stays");
  });

  test("a user's token Secret is filled in, referenced, and when deleted its reference goes", async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa());
    f.api.seed(SECRETS, tokenSecret('my-token', { [SERVICE_ACCOUNT_NAME_ANNOTATION]: 'default' }));
    const ctl = await setup();
    await syncAndSettle(ctl);
    assert.equal(secrets().length, 1, 'no second token');
    const filled = f.api.stored<Secret>(SECRETS, 'dev', 'my-token');
    assert.deepEqual(Object.keys(filled?.data ?? {}).sort(), ['ca.crt', 'namespace', 'token']);
    assert.equal(filled?.metadata?.annotations?.[SERVICE_ACCOUNT_UID_ANNOTATION], 'uid-default');
    const user = await verifyServiceAccountToken(decode(filled?.data?.['token']), keys.publicKey);
    assert.equal(user?.claims.secretName, 'my-token');
    assert.deepEqual(storedSa()?.secrets, [{ name: 'my-token' }]);

    await f.api.delete(SECRETS, 'dev', 'my-token');
    await f.settle();
    await syncAndSettle(ctl);
    const names = secrets().map((s) => s.metadata?.name ?? '');
    assert.equal(names.length, 1);
    assert.deepEqual(storedSa()?.secrets?.map((r) => r.name), names);
  });

  test('a deleted service account takes its tokens with it', async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa(), sa('builder'));
    const ctl = await setup();
    await syncAndSettle(ctl);
    await syncAndSettle(ctl, 'dev/builder');
    assert.equal(secrets().length, 2);
    await f.api.delete(SERVICE_ACCOUNTS, 'dev', 'default');
    await f.settle();
    await syncAndSettle(ctl);
    assert.deepEqual(secrets().map((s) => s.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION]), ['builder']);
  });

  test('tokens of an earlier account of the same name, or of none, are deleted', async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa());
    f.api.seed(
      SECRETS,
      tokenSecret('default-token-old22', { [SERVICE_ACCOUNT_NAME_ANNOTATION]: 'default', [SERVICE_ACCOUNT_UID_ANNOTATION]: 'uid-before' }, { token: 'eA==' }),
      tokenSecret('ghost-token-zzzzz', { [SERVICE_ACCOUNT_NAME_ANNOTATION]: 'ghost', [SERVICE_ACCOUNT_UID_ANNOTATION]: 'uid-ghost' }, { token: 'eA==' }),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque', namespace: 'dev', annotations: { [SERVICE_ACCOUNT_NAME_ANNOTATION]: 'ghost' } }, type: 'Opaque' },
    );
    const ctl = await setup();
    await syncAndSettle(ctl);
    await syncAndSettle(ctl, 'dev/ghost');
    const names = secrets().map((s) => s.metadata?.name ?? '');
    assert.equal(names.length, 2);
    assert.ok(names.includes('opaque'), 'other Secrets are not ours');
    assert.ok(!names.includes('default-token-old22') && !names.includes('ghost-token-zzzzz'));
    assert.deepEqual(storedSa()?.secrets?.map((r) => r.name), names.filter((n) => n !== 'opaque'));
  });
});

describe('serviceAccountTokenController', () => {
  const capture = (): ClientLogger & { warnings: string[] } => {
    const warnings: string[] = [];
    return { warnings, debug: () => {}, info: () => {}, warn: (_o, msg) => warnings.push(msg ?? ''), error: () => {} };
  };
  const ctx = (options: Record<string, unknown>, logger: ClientLogger, signal: AbortSignal) => ({
    client: f.api,
    informers: f.informers,
    recorder: () => f.recorder,
    logger,
    signal,
    options,
  });

  test('without a private key: one warning, no tokens', async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa());
    const logger = capture();
    const ac = new AbortController();
    await serviceAccountTokenController.start(ctx({ rootCa: ROOT_CA }, logger, ac.signal));
    f.informers.start(ac.signal);
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0] ?? '', /service-account-private-key-file/);
    assert.deepEqual(f.api.writeActions(), []);
  });

  test('with a key: the running controller gives an account its token (informer on token Secrets only)', async () => {
    f = new ControllerFixture();
    f.api.seed(SERVICE_ACCOUNTS, sa());
    f.api.seed(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque', namespace: 'dev' }, type: 'Opaque' });
    const ac = new AbortController();
    try {
      await serviceAccountTokenController.start(ctx({ serviceAccountPrivateKey: keys.privateKey, rootCa: ROOT_CA, workers: 1 }, capture(), ac.signal));
      f.informers.start(ac.signal);
      const deadline = Date.now() + 5000;
      while (!storedSa()?.secrets?.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const ref = storedSa()?.secrets?.[0]?.name ?? '';
      assert.match(ref, TOKEN_NAME);
      const secretLists = f.api.actions().filter((a) => a.resource === 'secrets' && (a.verb === 'list' || a.verb === 'watch'));
      assert.ok(secretLists.length > 0);
      assert.ok(secretLists.every((a) => a.listOptions?.fieldSelector === 'type=kubernetes.io/service-account-token'));
      assert.equal(secrets().length, 2);
    } finally {
      ac.abort();
    }
  });

  test('a key that is not a private key fails the start', async () => {
    f = new ControllerFixture();
    await assert.rejects(serviceAccountTokenController.start(ctx({ serviceAccountPrivateKey: 'not a key' }, capture(), new AbortController().signal)), /not a usable private key/);
  });
});
