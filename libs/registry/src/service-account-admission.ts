// SPDX-License-Identifier: Apache-2.0
/**
 * Kubernetes' ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount), in its
 * legacy form of Kubernetes ≤ 1.20: every pod runs as a service account (`default` unless it
 * names one), and gets that account's token Secret mounted read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount in each container.
 *
 * One difference: Kubernetes rejects a pod whose `default` service account, or whose token,
 * does not exist yet (the pod's controller retries until the controller-manager made them).
 * Here such a pod is admitted without a token, so pods can be created in a namespace no
 * controller-manager has seen yet (unit tests, a namespace created a moment ago).
 */
import {
  forbidden,
  qualifiedResource,
  SERVICE_ACCOUNT_NAME_ANNOTATION,
  SERVICE_ACCOUNT_TOKEN_TYPE,
  SERVICE_ACCOUNT_UID_ANNOTATION,
  type KubeObject,
  type ResourceInfo,
} from '@berth/api';
import { generateName } from './name-generator';
import type { AdmissionAttributes, AdmitFn, ResourceStore } from './resource-store';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
/** Where the token, ca.crt and namespace of the service account appear in each container. */
export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** 0644, the mode a secret volume's files get by default. */
const SECRET_VOLUME_DEFAULT_MODE = 420;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x)) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Where the plugin reads ServiceAccounts and Secrets: the registry's own stores. */
export type StoreLookup = (group: string, resource: string) => ResourceStore;

/**
 * The ServiceAccount admission step: on pod CREATE only, sets spec.serviceAccountName (and
 * its deprecated alias spec.serviceAccount), checks the account exists, copies its
 * imagePullSecrets when the pod has none, and mounts its token unless automounting is off.
 */
export function serviceAccountAdmission(stores: StoreLookup): AdmitFn {
  return async (op, pod, _old, info, attrs) => {
    if (op !== 'CREATE' || !isPods(info)) return;
    const spec = obj(pod['spec']);
    pod['spec'] = spec;
    const ns = pod.metadata?.namespace ?? '';
    const name = str(spec['serviceAccountName']) || str(spec['serviceAccount']) || DEFAULT_SERVICE_ACCOUNT;
    spec['serviceAccountName'] = name;
    spec['serviceAccount'] = name;

    const sa = await stores('', 'serviceaccounts').lookup(ns, name);
    if (!sa) {
      // Kubernetes rejects this one too (after retrying a while); here the pod is admitted
      // without a token until the controller-manager made the account (see the file comment).
      if (name === DEFAULT_SERVICE_ACCOUNT) return;
      throw forbidden(
        { resource: qualifiedResource(info), name: admissionName(pod, attrs) },
        `error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`,
      );
    }
    if (shouldAutomount(sa, spec)) {
      const token = await tokenSecret(stores('', 'secrets'), sa);
      if (token) mountToken(spec, token);
    }
    const pullSecrets = objects(sa['imagePullSecrets']).map((s) => str(s['name'])).filter((n) => n !== '');
    if (objects(spec['imagePullSecrets']).length === 0 && pullSecrets.length > 0) {
      spec['imagePullSecrets'] = pullSecrets.map((n) => ({ name: n }));
    }
  };
}

/** The pod's own setting wins; else the service account's; else the token is mounted. */
function shouldAutomount(sa: KubeObject, spec: Json): boolean {
  const fromPod = spec['automountServiceAccountToken'];
  if (typeof fromPod === 'boolean') return fromPod;
  const fromSa = sa['automountServiceAccountToken'];
  if (typeof fromSa === 'boolean') return fromSa;
  return true;
}

/**
 * The name of the token Secret to mount: the first one the account lists that exists and is
 * a token of this account; else (the tokens controller has created the Secret but not yet
 * listed it) any token of this account in the namespace; '' when there is none yet.
 */
async function tokenSecret(secrets: ResourceStore, sa: KubeObject): Promise<string> {
  const ns = sa.metadata?.namespace ?? '';
  for (const ref of objects(sa['secrets'])) {
    const name = str(ref['name']);
    if (!name) continue;
    const secret = await secrets.lookup(ns, name);
    if (secret && isTokenOf(secret, sa)) return name;
  }
  const all = await secrets.list({ namespace: ns, resourceVersion: '0' });
  return all.items.find((s) => isTokenOf(s, sa))?.metadata?.name ?? '';
}

/** Kubernetes' IsServiceAccountToken: the type, and annotations naming this account (and its uid, when set). */
function isTokenOf(secret: KubeObject, sa: KubeObject): boolean {
  if (secret['type'] !== SERVICE_ACCOUNT_TOKEN_TYPE) return false;
  if ((secret.metadata?.namespace ?? '') !== (sa.metadata?.namespace ?? '')) return false;
  const annotations = secret.metadata?.annotations ?? {};
  if (annotations[SERVICE_ACCOUNT_NAME_ANNOTATION] !== sa.metadata?.name) return false;
  const uid = annotations[SERVICE_ACCOUNT_UID_ANNOTATION];
  return !uid || uid === sa.metadata?.uid;
}

/**
 * Mounts the token Secret at SERVICE_ACCOUNT_MOUNT_PATH in every init container and container
 * that does not mount something there already, as Kubernetes' mountServiceAccountToken: the
 * volume is one that already holds that Secret, else a new one named after it (or, when a
 * different volume has that name, after it with a random suffix), added only if used.
 */
function mountToken(spec: Json, secretName: string): void {
  const volumes = objects(spec['volumes']);
  const existing = volumes.find((v) => str(obj(v['secret'])['secretName']) === secretName);
  let volumeName = existing ? str(existing['name']) : secretName;
  if (!existing) {
    const names = new Set(volumes.map((v) => str(v['name'])));
    while (names.has(volumeName)) volumeName = generateName(`${secretName}-`);
  }
  let used = false;
  // Not ephemeral containers: Kubernetes leaves those alone.
  for (const c of [...objects(spec['initContainers']), ...objects(spec['containers'])]) {
    const mounts = objects(c['volumeMounts']);
    if (mounts.some((m) => m['mountPath'] === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
    c['volumeMounts'] = [...mounts, { name: volumeName, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
    used = true;
  }
  if (used && !existing) {
    spec['volumes'] = [...volumes, { name: volumeName, secret: { secretName, defaultMode: SECRET_VOLUME_DEFAULT_MODE } }];
  }
}

/** The name Kubernetes' admission errors show: the generateName while the name is yet to be generated. */
function admissionName(pod: KubeObject, attrs: AdmissionAttributes | undefined): string {
  return attrs?.name ?? pod.metadata?.name ?? '';
}

function isPods(info: ResourceInfo): boolean {
  return info.group === '' && info.resource === 'pods';
}
