// SPDX-License-Identifier: Apache-2.0
import {
  AUTHENTICATED_GROUP,
  badRequest,
  forbidden as forbiddenError,
  forbiddenReason,
  newStatusError,
  type ApiBackend,
  type AuthorizationAttributes,
  type Authorizer,
  type BackendListOptions,
  type BackendWatchOptions,
  type BackendWriteOptions,
  type DeleteOptions,
  type ExecInput,
  type ExecOutput,
  type KubeObject,
  type LogChunk,
  type NodeStats,
  type ObjectList,
  type PodExecOptions,
  type PodLogsOptions,
  type RequestContext,
  type ResourceRef,
  type StatusError,
  type UserInfo,
  type WatchEvent,
  type WriteResponse,
} from '@berth/api';
import { compactRuleString, uncoveredRules } from './escalation';
import { checkNodeRestriction, type PodLookup } from './node-restriction';
import { rulesOf, type PolicyRule } from './rbac-rules';

/** What the escalation check needs of RBAC: a user's rules, and the rules a roleRef grants. */
export interface RuleResolver {
  policyRulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] };
  roleRefRules(roleRef: unknown, bindingNamespace: string): PolicyRule[] | undefined;
}

export interface AuthorizingBackendOptions {
  authorizer: Authorizer;
  /** RBAC's rules, for the escalation check of role and binding writes. */
  rules?: RuleResolver;
  /** Told of every refused request (the apiserver logs them). */
  onDenied?(attrs: AuthorizationAttributes): void;
  /** Set, nodes' writes are held to their own objects (NodeRestriction); pods are looked up here. */
  nodeRestriction?: PodLookup;
}

/** Who a call without authentication is (only on servers without it: plaintext tests). */
export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * The apiserver's authorization step, in front of the registry: impersonation (`--as`),
 * then every call is authorized with its verb and resource before it reaches `inner`,
 * and writes of roles and bindings get Kubernetes' escalation check. Refusals are
 * Forbidden with Kubernetes' message.
 */
export class AuthorizingBackend implements ApiBackend {
  logs?: ApiBackend['logs'];
  exec?: ApiBackend['exec'];
  stats?: ApiBackend['stats'];

  constructor(
    private readonly inner: ApiBackend,
    private readonly opts: AuthorizingBackendOptions,
  ) {
    const { logs, exec, stats } = inner;
    if (logs) {
      this.logs = (ctx: RequestContext, o: PodLogsOptions): AsyncIterable<LogChunk> =>
        this.stream(ctx, { verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: o.namespace, name: o.name }, (c) => logs.call(inner, c, o));
    }
    if (exec) {
      this.exec = (ctx: RequestContext, o: PodExecOptions, input: AsyncIterable<ExecInput>): AsyncIterable<ExecOutput> =>
        this.stream(ctx, { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: o.namespace, name: o.name }, (c) => exec.call(inner, c, o, input));
    }
    if (stats) {
      // The kubelet's stats, as its own API authorizes them (get nodes/stats).
      this.stats = async (ctx: RequestContext, node: string): Promise<NodeStats> =>
        stats.call(inner, await this.authorized(ctx, { verb: 'get', group: '', resource: 'nodes', subresource: 'stats', namespace: '', name: node }), node);
    }
  }

  version(): ReturnType<ApiBackend['version']> {
    return this.inner.version();
  }

  resources(): ReturnType<ApiBackend['resources']> {
    return this.inner.resources();
  }

  async create(ctx: RequestContext, ref: ResourceRef, body: unknown, opts: BackendWriteOptions): Promise<WriteResponse> {
    const c = await this.authorized(ctx, request('create', ref));
    this.confirmNoEscalation(c, ref, body);
    await this.restrictNode(c, 'create', ref, body);
    return this.inner.create(c, ref, body, opts);
  }

  async get(ctx: RequestContext, ref: ResourceRef, opts: { resourceVersion?: string }): Promise<KubeObject> {
    return this.inner.get(await this.authorized(ctx, request('get', ref)), ref, opts);
  }

  async list(ctx: RequestContext, ref: ResourceRef, opts: BackendListOptions): Promise<ObjectList> {
    return this.inner.list(await this.authorized(ctx, request('list', ref)), ref, opts);
  }

  async update(ctx: RequestContext, ref: ResourceRef, body: unknown, opts: BackendWriteOptions): Promise<WriteResponse> {
    const c = await this.authorized(ctx, request('update', ref));
    this.confirmNoEscalation(c, ref, body);
    await this.restrictNode(c, 'update', ref, body);
    return this.inner.update(c, ref, body, opts);
  }

  async patch(ctx: RequestContext, ref: ResourceRef, patchType: string, patch: unknown, opts: BackendWriteOptions): Promise<WriteResponse> {
    const c = await this.authorized(ctx, request('patch', ref));
    await this.restrictNode(c, 'patch', ref, undefined);
    if (!this.needsEscalationCheck(c, ref, undefined)) return this.inner.patch(c, ref, patchType, patch, opts);
    // The patched object is known only once patched: patch as a dry run, check the result,
    // then write exactly that result, guarded by its resourceVersion.
    const { object } = await this.inner.patch(c, ref, patchType, patch, { ...opts, dryRun: true });
    this.confirmNoEscalation(c, ref, object);
    return opts.dryRun ? { object, warnings: [] } : this.inner.update(c, ref, object, opts);
  }

  async delete(ctx: RequestContext, ref: ResourceRef, options: DeleteOptions): Promise<KubeObject> {
    const c = await this.authorized(ctx, request('delete', ref));
    await this.restrictNode(c, 'delete', ref, undefined);
    return this.inner.delete(c, ref, options);
  }

  async deleteCollection(ctx: RequestContext, ref: ResourceRef, opts: BackendListOptions, options: DeleteOptions): Promise<ObjectList> {
    const c = await this.authorized(ctx, request('deletecollection', ref));
    await this.restrictNode(c, 'deletecollection', ref, undefined);
    return this.inner.deleteCollection(c, ref, opts, options);
  }

  watch(ctx: RequestContext, ref: ResourceRef, opts: BackendWatchOptions): AsyncIterable<WatchEvent> {
    return this.stream(ctx, request('watch', ref), (c) => this.inner.watch(c, ref, opts));
  }

  private async restrictNode(ctx: RequestContext, verb: string, ref: ResourceRef, body: unknown): Promise<void> {
    if (this.opts.nodeRestriction) await checkNodeRestriction(userOf(ctx), verb, ref, body, this.opts.nodeRestriction);
  }

  /** The context with the user to act as, once the call is allowed; Forbidden otherwise. */
  private async authorized(ctx: RequestContext, req: Request): Promise<RequestContext> {
    const c = this.impersonated(ctx);
    this.check(attributes(userOf(c), req));
    return c;
  }

  /** A stream whose first `next()` fails when the call is not allowed. */
  private stream<T>(ctx: RequestContext, req: Request, open: (c: RequestContext) => AsyncIterable<T>): AsyncIterable<T> {
    return {
      [Symbol.asyncIterator]: () => {
        let it: AsyncIterator<T> | undefined;
        const start = async (): Promise<AsyncIterator<T>> => (it ??= open(await this.authorized(ctx, req))[Symbol.asyncIterator]());
        return {
          next: async () => (await start()).next(),
          return: async (value?: unknown) => (it?.return ? it.return(value) : { done: true, value: undefined as T }),
          throw: async (e?: unknown) => {
            if (it?.throw) return it.throw(e);
            throw e;
          },
        };
      },
    };
  }

  private check(attrs: AuthorizationAttributes): void {
    if (this.opts.authorizer.authorize(attrs).allowed) return;
    this.opts.onDenied?.(attrs);
    throw forbidden(attrs);
  }

  /**
   * Impersonation, as Kubernetes does it: the caller must be allowed to `impersonate` the
   * user (or the service account) and each group; the request then runs as that user,
   * with only the groups asked for (plus system:authenticated).
   */
  private impersonated(ctx: RequestContext): RequestContext {
    const as = ctx.impersonate;
    if (!as) return ctx;
    if (!as.user) throw badRequest('requesting groups or user-extra without impersonating a user');
    const caller = userOf(ctx);
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(as.user);
    this.check(
      sa
        ? attributes(caller, { verb: 'impersonate', group: '', resource: 'serviceaccounts', subresource: '', namespace: sa[1] ?? '', name: sa[2] ?? '' })
        : attributes(caller, { verb: 'impersonate', group: '', resource: 'users', subresource: '', namespace: '', name: as.user }),
    );
    for (const g of as.groups) this.check(attributes(caller, { verb: 'impersonate', group: '', resource: 'groups', subresource: '', namespace: '', name: g }));
    const groups = [...as.groups];
    if (sa) groups.push('system:serviceaccounts', `system:serviceaccounts:${sa[1] ?? ''}`);
    if (as.user !== ANONYMOUS.name && !groups.includes(AUTHENTICATED_GROUP)) groups.push(AUTHENTICATED_GROUP);
    const { impersonate: _done, ...rest } = ctx;
    return { ...rest, user: { name: as.user, groups: [...new Set(groups)] } };
  }

  /** Writes of roles and bindings by users without the escalate or bind verb. */
  private needsEscalationCheck(ctx: RequestContext, ref: ResourceRef, body: unknown): boolean {
    if (ref.group !== RBAC_GROUP || ref.subresource) return false;
    const user = userOf(ctx);
    switch (ref.resource) {
      case 'roles':
      case 'clusterroles':
        return !this.opts.authorizer.authorize(attributes(user, { verb: 'escalate', group: RBAC_GROUP, resource: ref.resource, subresource: '', namespace: ref.namespace, name: nameOf(body, ref) })).allowed;
      case 'rolebindings':
      case 'clusterrolebindings': {
        if (body === undefined) return true;
        const roleRef = ((body as KubeObject)['roleRef'] ?? {}) as { kind?: unknown; name?: unknown };
        const resource = roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
        const namespace = ref.resource === 'rolebindings' ? ref.namespace : '';
        const name = typeof roleRef.name === 'string' ? roleRef.name : '';
        return !this.opts.authorizer.authorize(attributes(user, { verb: 'bind', group: RBAC_GROUP, resource, subresource: '', namespace, name })).allowed;
      }
      default:
        return false;
    }
  }

  /**
   * A role may hold, and a binding grant, only permissions its writer already has (in the
   * namespace of a Role or RoleBinding; cluster-wide for the cluster kinds), unless the
   * writer may `escalate` roles or `bind` the role.
   */
  private confirmNoEscalation(ctx: RequestContext, ref: ResourceRef, body: unknown): void {
    // Asked again on a patch's result: a binding's roleRef, and so the bind check, is known only then.
    if (!this.needsEscalationCheck(ctx, ref, body)) return;
    const user = userOf(ctx);
    const obj = (body ?? {}) as KubeObject;
    const namespace = ref.resource === 'roles' || ref.resource === 'rolebindings' ? ref.namespace : '';
    const target = { resource: `${ref.resource}.${RBAC_GROUP}`, name: nameOf(body, ref), group: RBAC_GROUP };
    const resolver = this.opts.rules;
    if (!resolver) throw forbiddenError(target, `user ${JSON.stringify(user.name)} may not write ${ref.resource} without the escalate or bind verb`);
    let requested: PolicyRule[];
    if (ref.resource === 'roles' || ref.resource === 'clusterroles') {
      requested = rulesOf(obj);
    } else {
      const rules = resolver.roleRefRules(obj['roleRef'], namespace);
      if (!rules) {
        const roleRef = (obj['roleRef'] ?? {}) as { kind?: string; name?: string };
        const kind = roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
        throw forbiddenError(target, `${kind}.${RBAC_GROUP} ${JSON.stringify(roleRef.name ?? '')} not found`);
      }
      requested = rules;
    }
    const owner = resolver.policyRulesFor(user, namespace);
    const missing = uncoveredRules(owner.rules, requested);
    if (missing.length === 0) return;
    const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
    const errors = owner.errors.length > 0 ? `\n; resolution errors: [${owner.errors.join(' ')}]` : '';
    throw forbiddenError(
      target,
      `user ${JSON.stringify(user.name)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${missing.map(compactRuleString).join('\n')}${errors}`,
    );
  }
}

/** A call's verb and target, before the user is known. */
interface Request {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

function request(verb: string, ref: ResourceRef, name = ref.name): Request {
  return { verb, group: ref.group, resource: ref.resource, subresource: ref.subresource, namespace: ref.namespace, name };
}

function attributes(user: UserInfo, r: Request): AuthorizationAttributes {
  return { user, verb: r.verb, resourceRequest: true, apiGroup: r.group, resource: r.resource, subresource: r.subresource, namespace: r.namespace, name: r.name, path: '' };
}

function userOf(ctx: RequestContext): UserInfo {
  return ctx.user ?? ANONYMOUS;
}

/** The name of the object a create or update is about: the ref's, else the body's. */
function nameOf(body: unknown, ref: ResourceRef): string {
  if (ref.name) return ref.name;
  const name = (body as KubeObject | undefined)?.metadata?.name;
  return typeof name === 'string' ? name : '';
}

/** Kubernetes' Forbidden for a refused request: `pods "x" is forbidden: User "u" cannot get pods in the namespace "ns"`. */
export function forbidden(attrs: AuthorizationAttributes): StatusError {
  if (!attrs.resourceRequest) return newStatusError('Forbidden', `forbidden: ${forbiddenReason(attrs)}`);
  const resource = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  return forbiddenError({ resource, name: attrs.name, group: attrs.apiGroup }, forbiddenReason(attrs));
}
