// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { isScalar, parseAllDocuments, visit } from 'yaml';
import {
  allResources,
  apiVersionOf,
  messageByName,
  messageSchema,
  qualifiedKind,
  qualifiedResource,
  resolveResource,
  resourceFor,
  resourceForKind,
  subresourceSchema,
} from './scheme';

const SPECS = join(import.meta.dirname, '../../../../shared/k8s-specs');

describe('scheme table', () => {
  test('every resource names a generated message of its kind', () => {
    for (const info of allResources()) {
      const desc = messageByName(info.messageName);
      assert.ok(desc, `${info.messageName} is generated`);
      assert.equal(desc.name, info.kind);
      assert.equal(messageSchema(info), desc);
      const fields = desc.fields.map((f) => f.jsonName);
      assert.deepEqual(fields.slice(0, 3), ['apiVersion', 'kind', 'metadata'], `${info.kind} starts with apiVersion, kind, metadata`);
    }
  });

  test('plural names are unique per group, and short names unique overall', () => {
    const plurals = allResources().map(qualifiedResource);
    assert.equal(new Set(plurals).size, plurals.length);
    const shorts = allResources().flatMap((r) => r.shortNames);
    assert.equal(new Set(shorts).size, shorts.length);
  });

  test('names, versions and qualified forms', () => {
    const deploy = resourceFor('apps', 'deployments');
    assert.ok(deploy);
    assert.equal(apiVersionOf(deploy), 'apps/v1');
    assert.equal(qualifiedResource(deploy), 'deployments.apps');
    assert.equal(qualifiedKind(deploy), 'Deployment.apps');
    const pods = resourceFor('', 'pods');
    assert.ok(pods);
    assert.equal(apiVersionOf(pods), 'v1');
    assert.equal(qualifiedResource(pods), 'pods');
    assert.equal(qualifiedKind(pods), 'Pod');
    assert.equal(pods.messageName, 'berth.core.v1.Pod');
    assert.ok(pods.namespaced);
    assert.deepEqual(pods.categories, ['all']);
    assert.ok(['status', 'binding', 'log', 'exec'].every((s) => pods.subresources.includes(s)));
    assert.deepEqual(
      [...(resourceFor('', 'namespaces')?.verbs ?? [])],
      ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    );
    assert.equal(resourceFor('', 'nodes')?.namespaced, false);
    assert.equal(resourceFor('', 'events')?.shortNames[0], 'ev');
    assert.deepEqual(resourceFor('', 'bindings')?.verbs, ['create']);
    assert.equal(resourceFor('apps', 'pods'), undefined);
  });

  test('get all covers the workload kinds', () => {
    const all = allResources()
      .filter((r) => r.categories.includes('all'))
      .map((r) => r.resource)
      .sort();
    for (const r of ['cronjobs', 'daemonsets', 'deployments', 'jobs', 'pods', 'replicasets', 'replicationcontrollers', 'services', 'statefulsets']) {
      assert.ok(all.includes(r), r);
    }
    assert.ok(!all.includes('configmaps'));
    assert.ok(!all.includes('secrets'));
  });

  test('scale subresources read and write Scale', () => {
    for (const r of ['deployments', 'replicasets', 'statefulsets']) {
      const info = resourceFor('apps', r);
      assert.ok(info);
      assert.ok(info.subresources.includes('status') && info.subresources.includes('scale'), r);
      assert.equal(subresourceSchema(info, 'scale')?.typeName, 'berth.autoscaling.v1.Scale');
      assert.equal(subresourceSchema(info, 'status')?.typeName, info.messageName);
    }
    const rc = resourceFor('', 'replicationcontrollers');
    assert.ok(rc?.subresources.includes('scale'));
    const pods = resourceFor('', 'pods');
    assert.ok(pods);
    assert.equal(subresourceSchema(pods, 'binding')?.typeName, 'berth.core.v1.Binding');
    assert.equal(subresourceSchema(pods, 'eviction')?.typeName, 'berth.policy.v1.Eviction');
    assert.equal(subresourceSchema(pods, 'log'), undefined);
    assert.equal(subresourceSchema(pods, 'scale'), undefined);
  });
});

describe('resolveResource', () => {
  const cases: [string, string][] = [
    ['po', 'pods'], ['pod', 'pods'], ['pods', 'pods'], ['Pod', 'pods'], ['PODS', 'pods'],
    ['deploy', 'deployments.apps'], ['deployment', 'deployments.apps'], ['deployments', 'deployments.apps'],
    ['deployment.apps', 'deployments.apps'], ['deployments.apps', 'deployments.apps'], ['deploy.apps', 'deployments.apps'],
    ['deployments.v1.apps', 'deployments.apps'], ['deployments.extensions', 'deployments.apps'],
    ['Deployment', 'deployments.apps'],
    ['svc', 'services'], ['service', 'services'], ['ep', 'endpoints'], ['endpoints', 'endpoints'],
    ['ing', 'ingresses.networking.k8s.io'], ['ingress', 'ingresses.networking.k8s.io'],
    ['ingresses.extensions', 'ingresses.networking.k8s.io'],
    ['cm', 'configmaps'], ['configmap', 'configmaps'], ['secret', 'secrets'], ['secrets', 'secrets'],
    ['ns', 'namespaces'], ['namespace', 'namespaces'], ['no', 'nodes'], ['node', 'nodes'],
    ['pv', 'persistentvolumes'], ['pvc', 'persistentvolumeclaims'], ['sc', 'storageclasses.storage.k8s.io'],
    ['sa', 'serviceaccounts'], ['quota', 'resourcequotas'], ['limits', 'limitranges'],
    ['rs', 'replicasets.apps'], ['replicaset', 'replicasets.apps'], ['ds', 'daemonsets.apps'], ['daemonsets.extensions', 'daemonsets.apps'],
    ['sts', 'statefulsets.apps'], ['cj', 'cronjobs.batch'], ['job', 'jobs.batch'],
    ['ev', 'events'], ['event', 'events'], ['rc', 'replicationcontrollers'], ['csr', 'certificatesigningrequests.certificates.k8s.io'],
    ['roles', 'roles.rbac.authorization.k8s.io'], ['clusterrole', 'clusterroles.rbac.authorization.k8s.io'],
    ['rolebinding', 'rolebindings.rbac.authorization.k8s.io'], ['clusterrolebindings', 'clusterrolebindings.rbac.authorization.k8s.io'],
    ['roles.rbac.authorization.k8s.io', 'roles.rbac.authorization.k8s.io'],
    ['lease', 'leases.coordination.k8s.io'], ['endpointslices', 'endpointslices.discovery.k8s.io'],
    ['hpa', 'horizontalpodautoscalers.autoscaling'], ['pdb', 'poddisruptionbudgets.policy'],
    ['cs', 'componentstatuses'], ['bindings', 'bindings'],
  ];
  for (const [name, want] of cases) {
    test(`${name} → ${want}`, () => {
      const info = resolveResource(name);
      assert.ok(info, `${name} resolves`);
      assert.equal(qualifiedResource(info), want);
    });
  }

  test('unknown names and wrong groups do not resolve', () => {
    for (const name of ['', 'pox', 'deployments.batch', 'pods.apps', 'deployments.v2.apps', 'foo.bar']) {
      assert.equal(resolveResource(name), undefined, name);
    }
  });
});

describe('resourceForKind', () => {
  test('current versions', () => {
    assert.equal(resourceForKind('v1', 'Pod')?.resource, 'pods');
    assert.equal(resourceForKind('apps/v1', 'Deployment')?.resource, 'deployments');
    assert.equal(resourceForKind('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding')?.resource, 'clusterrolebindings');
    assert.equal(resourceForKind('v1', 'Deployment'), undefined);
    assert.equal(resourceForKind('apps/v1', 'deployment'), undefined, 'kinds are case-sensitive');
  });

  test('legacy versions map to the current resource', () => {
    const cases: [string, string, string][] = [
      ['apps/v1beta2', 'Deployment', 'deployments.apps'],
      ['apps/v1beta1', 'Deployment', 'deployments.apps'],
      ['extensions/v1beta1', 'Deployment', 'deployments.apps'],
      ['apps/v1beta2', 'ReplicaSet', 'replicasets.apps'],
      ['extensions/v1beta1', 'DaemonSet', 'daemonsets.apps'],
      ['apps/v1beta1', 'StatefulSet', 'statefulsets.apps'],
      ['extensions/v1beta1', 'Ingress', 'ingresses.networking.k8s.io'],
      ['networking.k8s.io/v1beta1', 'Ingress', 'ingresses.networking.k8s.io'],
      ['batch/v1beta1', 'CronJob', 'cronjobs.batch'],
      ['rbac.authorization.k8s.io/v1beta1', 'Role', 'roles.rbac.authorization.k8s.io'],
      ['storage.k8s.io/v1beta1', 'StorageClass', 'storageclasses.storage.k8s.io'],
    ];
    for (const [apiVersion, kind, want] of cases) {
      const info = resourceForKind(apiVersion, kind);
      assert.ok(info, `${apiVersion} ${kind}`);
      assert.equal(qualifiedResource(info), want);
      assert.equal(info.version, 'v1');
    }
    assert.equal(resourceForKind('apps/v1beta1', 'DaemonSet'), undefined, 'DaemonSet never was in apps/v1beta1');
    assert.equal(resourceForKind('extensions/v1beta1', 'StatefulSet'), undefined);
  });

  test('legacy groups find resources by plural (RBAC rules)', () => {
    assert.equal(qualifiedResource(resourceFor('extensions', 'daemonsets')!), 'daemonsets.apps');
    assert.equal(qualifiedResource(resourceFor('extensions', 'ingresses')!), 'ingresses.networking.k8s.io');
  });
});

// Keys whose values are maps of quantities: YAML lets `cpu: 1` be a number, Kubernetes
// reads it as the quantity "1". The codec does that conversion; here we mimic it.
const QUANTITY_MAPS = new Set([
  'limits', 'requests', 'hard', 'used', 'capacity', 'allocatable', 'default', 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio',
]);

function quantitiesAsStrings(value: unknown, parentKey = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => quantitiesAsStrings(v, parentKey));
  if (value === null || typeof value !== 'object') {
    return typeof value === 'number' && QUANTITY_MAPS.has(parentKey) ? String(value) : value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = QUANTITY_MAPS.has(parentKey) && typeof v === 'number' ? String(v) : quantitiesAsStrings(v, k);
  }
  return out;
}

function specFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? specFiles(join(dir, e.name)) : e.name.endsWith('.yml') ? [join(dir, e.name)] : []))
    .sort();
}

describe("the book's manifests decode into the generated messages", () => {
  const files = specFiles(SPECS);
  test('the spec folder is there', () => assert.ok(files.length > 50, `${files.length} files`));
  let decoded = 0;
  for (const file of files) {
    test(relative(SPECS, file), () => {
      const docs = parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1' });
      for (const doc of Array.isArray(docs) ? docs : [docs]) {
        assert.deepEqual(doc.errors, []);
        // YAML 1.1's float pattern lets a bare `.` be NaN in the yaml library (volume/github.yml
        // has gitRepo `directory: .`); Go's YAML, which kubectl uses, reads it as the string ".".
        visit(doc, {
          Scalar(_, node) {
            if (isScalar(node) && typeof node.value === 'number' && Number.isNaN(node.value) && node.source === '.') {
              node.value = '.';
            }
          },
        });
        const obj = doc.toJS() as Record<string, unknown> | null;
        if (!obj || typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') continue;
        const info = resourceForKind(obj.apiVersion, obj.kind);
        if (!info) continue;
        // Legacy Ingress (backend.serviceName/servicePort) has another shape; the codec converts it.
        if (info.kind === 'Ingress' && obj.apiVersion !== 'networking.k8s.io/v1') continue;
        const json = quantitiesAsStrings(obj) as JsonValue;
        const where = `${relative(SPECS, file)} ${obj.kind} ${(obj.metadata as { name?: string } | undefined)?.name}`;
        let msg;
        try {
          msg = fromJson(messageSchema(info), json, { ignoreUnknownFields: false });
        } catch (e) {
          assert.fail(`${where}: ${(e as Error).message}`);
        }
        // What was read comes back out the same (field names and shapes round-trip).
        assert.deepEqual(toJson(messageSchema(info), msg), json, where);
        decoded++;
      }
    });
  }
  test('a good number of documents were decoded', () => assert.ok(decoded >= 100, `${decoded} documents`));
});
