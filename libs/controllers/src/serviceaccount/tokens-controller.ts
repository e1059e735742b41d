// SPDX-License-Identifier: Apache-2.0
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { isConflict, isNotFound, objectKey, splitObjectKey, deepCopy } from '@berth/api';
import { signServiceAccountToken } from '@berth/certs';
import { WorkQueue, silentLogger, type ApiClient, type ClientLogger, type SharedInformer } from '@berth/client';
import { ControllerExpectations } from '../shared/expectations';
import { SECRETS, SERVICE_ACCOUNTS } from '../shared/resources';
import { isNamespaceTerminatingError, type ServiceAccount } from './serviceaccounts-controller';
import {
  encodeSecretValue,
  isGeneratedTokenName,
  isTokenOf,
  NAMESPACE_KEY,
  ROOT_CA_KEY,
  SERVICE_ACCOUNT_NAME_ANNOTATION,
  SERVICE_ACCOUNT_TOKEN_TYPE,
  SERVICE_ACCOUNT_UID_ANNOTATION,
  TOKEN_KEY,
  tokenSecretName,
  tokenServiceAccountName,
  tokenServiceAccountUid,
  type Secret,
} from './token-secrets';

/** The controller's name (--controllers, logs). */
export const TOKENS_CONTROLLER = 'serviceaccount-token-controller';

const MAX_CONFLICT_RETRIES = 5;
/** How soon to look again when the cache and the apiserver disagree about an account. */
const STALE_RETRY_MS = 1000;

/** What the controller needs. */
export interface TokensControllerDeps {
  client: ApiClient;
  serviceAccounts: SharedInformer<ServiceAccount>;
  /** Token Secrets (an informer filtered with TOKEN_SECRETS_FIELD_SELECTOR); other Secrets are ignored. */
  secrets: SharedInformer<Secret>;
  /** Signs the tokens (PEM, PKCS#8): what --service-account-private-key-file holds. */
  privateKey: string | KeyObject;
  /** The cluster CA's certificate (PEM), written as ca.crt; '' or undefined for none. */
  rootCa?: string;
  logger?: ClientLogger;
  now?: () => Date;
}

/**
 * Kubernetes' legacy TokensController (kube-controller-manager up to 1.23): every
 * ServiceAccount has a `kubernetes.io/service-account-token` Secret named `<sa>-token-xxxxx`
 * holding a signed token, the namespace and the cluster CA, and lists it in `secrets`.
 * A deleted token is replaced (deleting the Secret is how a token is revoked); the tokens
 * of a deleted account, or of an earlier account of the same name, are deleted. A token
 * Secret a user creates with only the annotations gets its data filled in.
 *
 * The queue key is the account's "namespace/name": account and Secret events both lead
 * there, and sync(key) looks at the account and every token Secret naming it.
 */
export class TokensController {
  readonly name = TOKENS_CONTROLLER;
  readonly queue = new WorkQueue<string>({ name: TOKENS_CONTROLLER });
  /** Token creations the Secret cache has not shown yet, by account key. */
  readonly expectations: ControllerExpectations;
  private readonly logger: ClientLogger;
  private readonly key: KeyObject;
  private readonly rootCa: string;
  /** Token Secrets seen deleted, by account key: references to them are dropped from the account. */
  private readonly deletedTokens = new Map<string, Set<string>>();

  constructor(private readonly deps: TokensControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    const now = deps.now ?? (() => new Date());
    this.expectations = new ControllerExpectations(() => now().getTime());
    // Parsed once: a bad key fails here, at start, not at the first token.
    this.key = typeof deps.privateKey === 'string' ? createPrivateKey(deps.privateKey) : deps.privateKey;
    this.rootCa = deps.rootCa ?? '';
    deps.serviceAccounts.addEventHandler({
      onAdd: (sa) => this.queue.add(objectKey(sa)),
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion !== cur.metadata?.resourceVersion) this.queue.add(objectKey(cur));
      },
      onDelete: (sa) => {
        // Nothing to wait for any more: the sync deletes the account's tokens.
        this.expectations.delete(objectKey(sa));
        this.queue.add(objectKey(sa));
      },
    });
    deps.secrets.addEventHandler({
      onAdd: (s) => {
        const key = accountKey(s);
        if (!key) return;
        this.expectations.creationObserved(key);
        this.queue.add(key);
      },
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        // Both: an edited annotation moves the Secret from one account to another.
        for (const s of [old, cur]) {
          const key = accountKey(s);
          if (key) this.queue.add(key);
        }
      },
      onDelete: (s) => {
        const key = accountKey(s);
        if (!key) return;
        let names = this.deletedTokens.get(key);
        if (!names) this.deletedTokens.set(key, (names = new Set()));
        names.add(s.metadata?.name ?? '');
        this.queue.add(key);
      },
    });
  }

  /** Reconciles one account's tokens ("namespace/name"): the test seam and the workers' sync function. */
  async sync(key: string): Promise<void> {
    // A token we created is not in the cache yet: acting now could create a second one.
    if (!this.expectations.satisfied(key)) return;
    const { namespace, name } = splitObjectKey(key);
    const tokens = this.deps.secrets.store.listByNamespace(namespace).filter((s) => tokenServiceAccountName(s) === name);
    let sa = this.deps.serviceAccounts.store.get(key);
    // No account and no tokens: nothing to do (an account the cache has not seen yet brings its own event).
    if (!sa && tokens.length === 0) {
      this.deletedTokens.delete(key);
      return;
    }
    // Before deleting tokens because the cache says their account is gone or different,
    // ask the apiserver (the cache may not have seen the account yet).
    if (!sa || tokens.some((t) => !isTokenOf(t, sa as ServiceAccount))) sa = await this.liveServiceAccount(namespace, name);
    if (!sa) {
      await this.deleteTokens(tokens, 'its service account is gone');
      this.deletedTokens.delete(key);
      return;
    }
    const current = sa;
    await this.deleteTokens(
      tokens.filter((t) => !isTokenOf(t, current)),
      'it belongs to an earlier service account of the same name',
    );
    const mine = tokens.filter((t) => isTokenOf(t, current) && !t.metadata?.deletionTimestamp);
    for (const t of mine) await this.fillIn(current, t);
    if (!current.metadata?.deletionTimestamp) await this.ensureReferenced(key, current, mine);
  }

  /**
   * Makes the account reference one of its tokens, reusing an unreferenced one before
   * creating another, and drops references to tokens that were deleted.
   */
  private async ensureReferenced(key: string, sa: ServiceAccount, mine: Secret[]): Promise<void> {
    const mineNames = new Set(mine.map((t) => t.metadata?.name ?? ''));
    // Only the deletions seen so far are handled here; ones seen meanwhile wait for the next sync.
    const deleted = [...(this.deletedTokens.get(key) ?? [])];
    const { dangling, uncached } = await this.checkUncachedReferences(sa, mineNames, deleted);
    // A referenced token the Secret cache has not shown yet still counts: never a second one.
    const referenced = (sa.secrets ?? []).some((r) => mineNames.has(r.name ?? '')) || uncached.length > 0;
    if (referenced && dangling.length === 0) {
      this.forgetDeleted(key, deleted);
      return;
    }
    let add: string | undefined;
    let created: Secret | undefined;
    if (!referenced) {
      // A token nobody references (a crash between our two writes, or a user's): use it.
      add = oldest(mine)?.metadata?.name;
      if (!add) {
        // Create only from an up-to-date account, as Kubernetes does: a stale one may
        // already reference a token our Secret cache has not shown.
        const live = await this.liveServiceAccount(sa.metadata?.namespace ?? '', sa.metadata?.name ?? '');
        if (!live || live.metadata?.uid !== sa.metadata?.uid) return; // gone or replaced: its events follow
        if (live.metadata?.resourceVersion !== sa.metadata?.resourceVersion) {
          this.queue.addAfter(key, STALE_RETRY_MS);
          return;
        }
        created = await this.createToken(key, sa);
        if (!created) return;
        add = created.metadata?.name;
      }
    }
    const addReferenced = await this.updateReferences(sa, add, dangling);
    this.forgetDeleted(key, deleted);
    // The account got another token meanwhile: do not leave a second one behind.
    if (created && !addReferenced) await this.deleteTokens([created], 'the service account already references another token');
  }

  /**
   * Looks up, in the apiserver, the account's references that look like its tokens (seen
   * deleted, or named like the tokens this controller creates) but are not in the cache:
   * `dangling` ones no longer exist, `uncached` ones are tokens of this account the cache
   * has not shown yet. References to anything else belong to whoever wrote them.
   */
  private async checkUncachedReferences(sa: ServiceAccount, mineNames: Set<string>, deleted: string[]): Promise<{ dangling: string[]; uncached: string[] }> {
    const namespace = sa.metadata?.namespace ?? '';
    const dangling: string[] = [];
    const uncached: string[] = [];
    for (const ref of sa.secrets ?? []) {
      const n = ref.name ?? '';
      if (!n || mineNames.has(n)) continue;
      if (!deleted.includes(n) && !isGeneratedTokenName(sa.metadata?.name ?? '', n)) continue;
      if (this.deps.secrets.store.get(`${namespace}/${n}`)) continue;
      try {
        const live = await this.deps.client.get<Secret>(SECRETS, namespace, n);
        if (isTokenOf(live, sa) && !live.metadata?.deletionTimestamp) uncached.push(n);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        dangling.push(n);
      }
    }
    return { dangling, uncached };
  }

  /**
   * Adds `add` to the live account's secrets (unless it already references another valid
   * token) and removes `drop`, retrying on conflicts. Returns whether `add` is referenced.
   */
  private async updateReferences(sa: ServiceAccount, add: string | undefined, drop: string[]): Promise<boolean> {
    const namespace = sa.metadata?.namespace ?? '';
    const name = sa.metadata?.name ?? '';
    for (let i = 0; i < MAX_CONFLICT_RETRIES; i++) {
      const live = await this.liveServiceAccount(namespace, name);
      if (!live || live.metadata?.uid !== sa.metadata?.uid) return false;
      const before = live.secrets ?? [];
      const refs = before.filter((r) => !drop.includes(r.name ?? ''));
      let addReferenced = add !== undefined && refs.some((r) => r.name === add);
      let changed = refs.length !== before.length;
      if (add !== undefined && !addReferenced && !refs.some((r) => this.isValidToken(namespace, r.name ?? '', live))) {
        refs.push({ name: add });
        addReferenced = true;
        changed = true;
      }
      if (!changed) return addReferenced;
      try {
        await this.deps.client.update(SERVICE_ACCOUNTS, namespace, { ...live, secrets: refs });
        this.logger.info({ controller: this.name, serviceAccount: `${namespace}/${name}`, added: add, dropped: drop }, 'updated service account secrets');
        return addReferenced;
      } catch (err) {
        if (isNotFound(err)) return false;
        if (!isConflict(err)) throw err;
      }
    }
    throw new Error(`could not update service account ${namespace}/${name}: too many conflicts`);
  }

  /** Creates a new token Secret for the account; undefined when its namespace is being deleted. */
  private async createToken(key: string, sa: ServiceAccount): Promise<Secret | undefined> {
    const namespace = sa.metadata?.namespace ?? '';
    const saName = sa.metadata?.name ?? '';
    const uid = sa.metadata?.uid ?? '';
    const name = tokenSecretName(saName);
    const token = await signServiceAccountToken({ namespace, serviceAccountName: saName, serviceAccountUid: uid, secretName: name }, this.key);
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, annotations: { [SERVICE_ACCOUNT_NAME_ANNOTATION]: saName, [SERVICE_ACCOUNT_UID_ANNOTATION]: uid } },
      type: SERVICE_ACCOUNT_TOKEN_TYPE,
      // Always the three keys (ca.crt empty without a root CA), as `kubectl get secrets` shows DATA 3.
      data: { [TOKEN_KEY]: encodeSecretValue(token), [NAMESPACE_KEY]: encodeSecretValue(namespace), [ROOT_CA_KEY]: encodeSecretValue(this.rootCa) },
    };
    this.expectations.expectCreations(key, 1);
    try {
      const created = await this.deps.client.create<Secret>(SECRETS, namespace, secret);
      this.logger.info({ controller: this.name, serviceAccount: key, secret: name }, 'created token secret');
      return created;
    } catch (err) {
      // It will never show up in the cache.
      this.expectations.creationObserved(key);
      // The namespace is going away, and the account with it: nothing to retry.
      if (isNamespaceTerminatingError(err)) return undefined;
      throw err;
    }
  }

  /** Fills in the data of a token Secret made without it (a user's), and its uid annotation. */
  private async fillIn(sa: ServiceAccount, secret: Secret): Promise<void> {
    const data = secret.data ?? {};
    const namespace = secret.metadata?.namespace ?? '';
    const needsToken = !data[TOKEN_KEY];
    const needsNamespace = !data[NAMESPACE_KEY];
    // Only when there is a CA to write: an empty ca.crt must not cause an update on every sync.
    const needsCa = this.rootCa !== '' && !data[ROOT_CA_KEY];
    const needsUid = tokenServiceAccountUid(secret) !== sa.metadata?.uid;
    if (!needsToken && !needsNamespace && !needsCa && !needsUid) return;
    const next = deepCopy(secret);
    const meta = (next.metadata ??= {});
    meta.annotations = { ...(meta.annotations ?? {}), [SERVICE_ACCOUNT_NAME_ANNOTATION]: sa.metadata?.name ?? '', [SERVICE_ACCOUNT_UID_ANNOTATION]: sa.metadata?.uid ?? '' };
    const nextData = (next.data ??= {});
    if (needsToken) {
      const claims = { namespace, serviceAccountName: sa.metadata?.name ?? '', serviceAccountUid: sa.metadata?.uid ?? '', secretName: meta.name ?? '' };
      nextData[TOKEN_KEY] = encodeSecretValue(await signServiceAccountToken(claims, this.key));
    }
    if (needsNamespace) nextData[NAMESPACE_KEY] = encodeSecretValue(namespace);
    if (needsCa || !(ROOT_CA_KEY in nextData)) nextData[ROOT_CA_KEY] = encodeSecretValue(this.rootCa);
    try {
      // With the cached resourceVersion: a Secret changed meanwhile conflicts and is retried.
      await this.deps.client.update(SECRETS, namespace, next);
      this.logger.info({ controller: this.name, secret: objectKey(secret), token: needsToken }, 'filled in token secret');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Deletes token Secrets (only the very ones we looked at: uid precondition). */
  private async deleteTokens(tokens: Secret[], why: string): Promise<void> {
    for (const t of tokens) {
      if (t.metadata?.deletionTimestamp) continue;
      const namespace = t.metadata?.namespace ?? '';
      const name = t.metadata?.name ?? '';
      try {
        await this.deps.client.delete(SECRETS, namespace, name, { preconditions: { uid: t.metadata?.uid ?? '' } });
        this.logger.info({ controller: this.name, secret: `${namespace}/${name}`, reason: why }, 'deleted token secret');
      } catch (err) {
        // Gone, or replaced by another Secret of that name (whose own events bring it here).
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  /** Forgets deletions whose references have been dealt with. */
  private forgetDeleted(key: string, names: string[]): void {
    const set = this.deletedTokens.get(key);
    if (!set) return;
    for (const n of names) set.delete(n);
    if (set.size === 0) this.deletedTokens.delete(key);
  }

  private isValidToken(namespace: string, name: string, sa: ServiceAccount): boolean {
    const s = this.deps.secrets.store.get(`${namespace}/${name}`);
    return !!s && isTokenOf(s, sa) && !s.metadata?.deletionTimestamp;
  }

  /** The account as the apiserver has it now; undefined when there is none. */
  private async liveServiceAccount(namespace: string, name: string): Promise<ServiceAccount | undefined> {
    try {
      return await this.deps.client.get<ServiceAccount>(SERVICE_ACCOUNTS, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/** The key of the account a token Secret names; undefined for other Secrets. */
function accountKey(secret: Secret): string | undefined {
  const sa = tokenServiceAccountName(secret);
  return sa ? `${secret.metadata?.namespace ?? ''}/${sa}` : undefined;
}

/** The oldest Secret (then by name), so every sync picks the same one. */
function oldest(secrets: Secret[]): Secret | undefined {
  const ts = (s: Secret): number => Date.parse(s.metadata?.creationTimestamp ?? '') || 0;
  return [...secrets].sort((a, b) => ts(a) - ts(b) || ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))[0];
}
