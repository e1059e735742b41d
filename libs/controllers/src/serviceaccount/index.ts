// SPDX-License-Identifier: Apache-2.0
import { SharedInformer } from '@berth/client';
import type { coreV1 } from '@berth/api-types';
import type { ControllerContext, ControllerDescriptor } from '../shared/controller-descriptor';
import { NAMESPACES, SECRETS, SERVICE_ACCOUNTS } from '../shared/resources';
import { runController } from '../shared/run-controller';
import { SERVICE_ACCOUNT_CONTROLLER, ServiceAccountsController, type ServiceAccount } from './serviceaccounts-controller';
import { TOKEN_SECRETS_FIELD_SELECTOR, type Secret } from './token-secrets';
import { TOKENS_CONTROLLER, TokensController } from './tokens-controller';

export * from './serviceaccounts-controller';
export * from './token-secrets';
export * from './tokens-controller';

/** The ServiceAccount controller: a `default` account in every namespace. */
export const serviceAccountController: ControllerDescriptor = {
  name: SERVICE_ACCOUNT_CONTROLLER,
  async start(ctx: ControllerContext): Promise<void> {
    const namespaces = ctx.informers.informerFor<coreV1.NamespaceJson>(NAMESPACES);
    const serviceAccounts = ctx.informers.informerFor<ServiceAccount>(SERVICE_ACCOUNTS);
    const c = new ServiceAccountsController({ client: ctx.client, namespaces, serviceAccounts, logger: ctx.logger });
    runController({ ctx, name: SERVICE_ACCOUNT_CONTROLLER, queue: c.queue, sync: (k) => c.sync(k), informers: [namespaces, serviceAccounts], workers: 1 });
  },
};

/**
 * The legacy service-account token controller. Options: serviceAccountPrivateKey (PEM;
 * without it the controller does nothing, as kube-controller-manager without
 * --service-account-private-key-file), rootCa (PEM, written as ca.crt), workers (default 5).
 */
export const serviceAccountTokenController: ControllerDescriptor = {
  name: TOKENS_CONTROLLER,
  async start(ctx: ControllerContext): Promise<void> {
    const privateKey = stringOption(ctx.options, 'serviceAccountPrivateKey');
    if (!privateKey) {
      ctx.logger.warn({ controller: TOKENS_CONTROLLER }, 'no service account private key (--service-account-private-key-file): service account tokens are not created');
      return;
    }
    const serviceAccounts = ctx.informers.informerFor<ServiceAccount>(SERVICE_ACCOUNTS);
    // Token Secrets only, not every Secret of the cluster. InformerFactory takes no field
    // selector, so this informer is the controller's own, as Kubernetes' tokens controller's is.
    const secrets = new SharedInformer<Secret>(ctx.client, SECRETS, { fieldSelector: TOKEN_SECRETS_FIELD_SELECTOR, logger: ctx.logger });
    let c: TokensController;
    try {
      c = new TokensController({ client: ctx.client, serviceAccounts, secrets, privateKey, rootCa: stringOption(ctx.options, 'rootCa'), logger: ctx.logger, ...(ctx.now ? { now: ctx.now } : {}) });
    } catch (err) {
      throw new Error(`serviceAccountPrivateKey is not a usable private key: ${err instanceof Error ? err.message : String(err)}`);
    }
    void secrets.run(ctx.signal);
    runController({ ctx, name: TOKENS_CONTROLLER, queue: c.queue, sync: (k) => c.sync(k), informers: [serviceAccounts, secrets], workers: 5 });
  },
};

function stringOption(options: Record<string, unknown>, name: string): string | undefined {
  const v = options[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
