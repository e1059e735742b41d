// SPDX-License-Identifier: Apache-2.0
import { isAlreadyExists, reasonOf } from '@berth/api';
import type { coreV1 } from '@berth/api-types';
import { WorkQueue, silentLogger, type ApiClient, type ClientLogger, type SharedInformer } from '@berth/client';
import { SERVICE_ACCOUNTS } from '../shared/resources';

/** The controller's name (--controllers, logs). */
export const SERVICE_ACCOUNT_CONTROLLER = 'serviceaccount-controller';
/** The service accounts every active namespace gets (kube-controller-manager's default list). */
export const DEFAULT_SERVICE_ACCOUNTS: readonly string[] = ['default'];

/** A namespace as the controller reads it. */
type Namespace = coreV1.NamespaceJson;
/** A service account. */
export type ServiceAccount = coreV1.ServiceAccountJson;

/** What the controller needs. */
export interface ServiceAccountsControllerDeps {
  client: ApiClient;
  namespaces: SharedInformer<Namespace>;
  serviceAccounts: SharedInformer<ServiceAccount>;
  logger?: ClientLogger;
}

/**
 * Gives every namespace its `default` ServiceAccount (Kubernetes' ServiceAccountsController):
 * created when the namespace appears, and again whenever someone deletes it. A namespace
 * being deleted gets none: the apiserver would refuse the create, and its content is
 * about to go anyway.
 */
export class ServiceAccountsController {
  readonly name = SERVICE_ACCOUNT_CONTROLLER;
  readonly queue = new WorkQueue<string>({ name: SERVICE_ACCOUNT_CONTROLLER });
  private readonly logger: ClientLogger;

  constructor(private readonly deps: ServiceAccountsControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    deps.namespaces.addEventHandler({
      onAdd: (ns) => this.queue.add(ns.metadata?.name ?? ''),
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion !== cur.metadata?.resourceVersion) this.queue.add(cur.metadata?.name ?? '');
      },
    });
    // Only deletions matter: that is when a default account has to come back.
    deps.serviceAccounts.addEventHandler({
      onDelete: (sa) => {
        if (DEFAULT_SERVICE_ACCOUNTS.includes(sa.metadata?.name ?? '')) this.queue.add(sa.metadata?.namespace ?? '');
      },
    });
  }

  /** Processes one namespace by name: the test seam and the workers' sync function. */
  async sync(namespace: string): Promise<void> {
    const ns = this.deps.namespaces.store.get(namespace);
    if (!ns || isTerminating(ns)) return;
    for (const name of DEFAULT_SERVICE_ACCOUNTS) {
      if (this.deps.serviceAccounts.store.get(`${namespace}/${name}`)) continue;
      const sa: ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
      try {
        await this.deps.client.create(SERVICE_ACCOUNTS, namespace, sa);
        this.logger.info({ controller: this.name, namespace, serviceAccount: name }, 'created service account');
      } catch (err) {
        // Already there: our cache was behind. Terminating: the namespace started going
        // away after we looked, and its update will not ask for an account again.
        if (isAlreadyExists(err) || isNamespaceTerminatingError(err)) continue;
        throw err;
      }
    }
  }
}

/** Whether the namespace is being deleted (deletionTimestamp set or phase Terminating). */
export function isTerminating(ns: Namespace): boolean {
  return !!ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating';
}

/** The apiserver's refusal to create content in a namespace being deleted (Kubernetes' NamespaceTerminatingCause). */
export function isNamespaceTerminatingError(err: unknown): boolean {
  return reasonOf(err) === 'Forbidden' && err instanceof Error && /because it is being terminated/.test(err.message);
}
