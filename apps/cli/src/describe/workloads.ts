// SPDX-License-Identifier: Apache-2.0
/** Describers of the pod controllers: ReplicaSet, ReplicationController, Deployment, StatefulSet, DaemonSet, Job, CronJob. */
import type { KubeObject } from '@berth/api';
import { labelSelectorFromObject, selectorFromSet, type LabelSelectorObject } from '@berth/api';
import { humanDuration } from '@berth/events';
import { arr, get, has, num, obj, str, strArr, strMap } from './json';
import { tryList, type DescribeContext } from './context';
import { formatPodPhaseCounts, podStatusForController } from './controller-pods';
import { describeEvents } from './events';
import {
  annotationsOf,
  byteOrder,
  controllerOf,
  controllerUid,
  formatLabels,
  intOrString,
  labelsOf,
  printAnnotationsMultiline,
  printLabelsMultiline,
  printBoolPtr,
  rfc1123z,
} from './format';
import { describePodTemplate } from './pod-template';
import { LEVEL_0, LEVEL_1, tabbedString, type PrefixWriter } from './prefix-writer';

/** labels.Selector's String of a LabelSelector object ('' when it selects everything). */
function selectorString(sel: unknown): string {
  try {
    return labelSelectorFromObject(sel as LabelSelectorObject).toString();
  } catch (e) {
    return `<error: ${(e as Error).message}>`;
  }
}

/** metav1.FormatLabelSelector: like selectorString but `<none>` when empty. */
function formatSelector(sel: unknown): string {
  const s = selectorString(sel);
  return s === '' ? '<none>' : s;
}

function header(w: PrefixWriter, o: KubeObject): void {
  w.write(LEVEL_0, `Name:\t${str(o, 'metadata.name')}\n`);
  w.write(LEVEL_0, `Namespace:\t${str(o, 'metadata.namespace')}\n`);
}

function events(w: PrefixWriter, ctx: DescribeContext): void {
  if (ctx.showEvents) describeEvents(ctx.events, w, ctx.now);
}

function replicaConditions(w: PrefixWriter, conditions: unknown[]): void {
  if (conditions.length === 0) return;
  w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tReason\n');
  w.write(LEVEL_1, '----\t------\t------\n');
  for (const c of conditions) w.write(LEVEL_1, `${str(c, 'type')} \t${str(c, 'status')}\t${str(c, 'reason')}\n`);
}

/** kubectl describe replicaset. */
export async function describeReplicaSet(rs: KubeObject, ctx: DescribeContext): Promise<string> {
  const counts = await podStatusForController(ctx, rs, selectorString(get(rs, 'spec.selector')));
  return tabbedString((w) => {
    header(w, rs);
    w.write(LEVEL_0, `Selector:\t${formatSelector(get(rs, 'spec.selector'))}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(rs));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(rs));
    const controlledBy = controllerOf(rs);
    if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
    w.write(LEVEL_0, `Replicas:\t${num(rs, 'status.replicas')} current / ${num(rs, 'spec.replicas')} desired\n`);
    w.write(LEVEL_0, 'Pods Status:\t');
    if (counts.error) w.write(LEVEL_0, `error in fetching pods: ${counts.error.message}\n`);
    else w.write(LEVEL_0, `${formatPodPhaseCounts(counts)}\n`);
    describePodTemplate(get(rs, 'spec.template'), w);
    replicaConditions(w, arr(rs, 'status.conditions'));
    events(w, ctx);
  });
}

/** kubectl describe replicationcontroller. */
export async function describeReplicationController(rc: KubeObject, ctx: DescribeContext): Promise<string> {
  const selector = strMap(rc, 'spec.selector');
  const counts = await podStatusForController(ctx, rc, selectorFromSet(selector).toString());
  if (counts.error) throw counts.error;
  return tabbedString((w) => {
    header(w, rc);
    w.write(LEVEL_0, `Selector:\t${formatLabels(selector)}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(rc));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(rc));
    w.write(LEVEL_0, `Replicas:\t${num(rc, 'status.replicas')} current / ${num(rc, 'spec.replicas')} desired\n`);
    w.write(LEVEL_0, `Pods Status:\t${formatPodPhaseCounts(counts)}\n`);
    describePodTemplate(get(rc, 'spec.template'), w);
    replicaConditions(w, arr(rc, 'status.conditions'));
    events(w, ctx);
  });
}

/** Drops what Semantic.DeepEqual treats as absent: null, empty maps and empty lists. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(normalize);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = normalize((v as Record<string, unknown>)[k]);
      if (x !== undefined) out[k] = x;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v === null ? undefined : v;
}

/** deploymentutil.EqualIgnoreHash: the templates match once the pod-template-hash label is removed. */
function templatesEqualIgnoringHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown): unknown => {
    const copy = JSON.parse(JSON.stringify(t ?? {})) as { metadata?: { labels?: Record<string, string> } };
    if (copy.metadata?.labels) delete copy.metadata.labels['pod-template-hash'];
    return normalize(copy);
  };
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

function creationOrder(a: KubeObject, b: KubeObject): number {
  const ta = Date.parse(str(a, 'metadata.creationTimestamp')) || 0;
  const tb = Date.parse(str(b, 'metadata.creationTimestamp')) || 0;
  return ta !== tb ? ta - tb : byteOrder(str(a, 'metadata.name'), str(b, 'metadata.name'));
}

/** deploymentutil.GetAllReplicaSets: the deployment's own ReplicaSets split into old and new. */
async function deploymentReplicaSets(d: KubeObject, ctx: DescribeContext): Promise<{ old: KubeObject[]; current: KubeObject[] }> {
  const { items, error } = await tryList(ctx, 'replicasets', 'apps', str(d, 'metadata.namespace'), {
    labelSelector: selectorString(get(d, 'spec.selector')),
  });
  if (error) return { old: [], current: [] };
  const uid = str(d, 'metadata.uid');
  const owned = items.filter((rs) => uid !== '' && controllerUid(rs) === uid);
  const template = get(d, 'spec.template');
  const byAge = [...owned].sort(creationOrder);
  let current = byAge.find((rs) => templatesEqualIgnoringHash(get(rs, 'spec.template'), template));
  if (!current) {
    // Fall back to the revision the deployment controller stamps on both.
    const rev = strMap(d, 'metadata.annotations')['deployment.kubernetes.io/revision'];
    if (rev) current = byAge.find((rs) => strMap(rs, 'metadata.annotations')['deployment.kubernetes.io/revision'] === rev);
  }
  return { old: owned.filter((rs) => rs !== current), current: current ? [current] : [] };
}

function replicaSetsByLabels(list: KubeObject[]): string {
  const s = list.map((rs) => `${str(rs, 'metadata.name')} (${num(rs, 'status.replicas')}/${num(rs, 'spec.replicas')} replicas created)`).join(', ');
  return s === '' ? '<none>' : s;
}

/** kubectl describe deployment. */
export async function describeDeployment(d: KubeObject, ctx: DescribeContext): Promise<string> {
  const { old, current } = await deploymentReplicaSets(d, ctx);
  return tabbedString((w) => {
    header(w, d);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(get(d, 'metadata.creationTimestamp'))}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(d));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(d));
    w.write(LEVEL_0, `Selector:\t${selectorString(get(d, 'spec.selector'))}\n`);
    const st = obj(d, 'status');
    w.write(
      LEVEL_0,
      `Replicas:\t${num(d, 'spec.replicas')} desired | ${num(st, 'updatedReplicas')} updated | ${num(st, 'replicas')} total | ` +
        `${num(st, 'availableReplicas')} available | ${num(st, 'unavailableReplicas')} unavailable\n`,
    );
    w.write(LEVEL_0, `StrategyType:\t${str(d, 'spec.strategy.type')}\n`);
    w.write(LEVEL_0, `MinReadySeconds:\t${num(d, 'spec.minReadySeconds')}\n`);
    if (has(d, 'spec.strategy.rollingUpdate')) {
      const ru = obj(d, 'spec.strategy.rollingUpdate');
      w.write(LEVEL_0, `RollingUpdateStrategy:\t${intOrString(ru['maxUnavailable'])} max unavailable, ${intOrString(ru['maxSurge'])} max surge\n`);
    }
    describePodTemplate(get(d, 'spec.template'), w);
    replicaConditions(w, arr(st, 'conditions'));
    if (old.length > 0 || current.length > 0) {
      w.write(LEVEL_0, `OldReplicaSets:\t${replicaSetsByLabels(old)}\n`);
      w.write(LEVEL_0, `NewReplicaSet:\t${replicaSetsByLabels(current)}\n`);
    }
    events(w, ctx);
  });
}

function describeVolumeClaimTemplates(templates: unknown[], w: PrefixWriter): void {
  if (templates.length === 0) {
    w.write(LEVEL_0, 'Volume Claims:\t<none>\n');
    return;
  }
  w.write(LEVEL_0, 'Volume Claims:\n');
  for (const pvc of templates) {
    w.write(LEVEL_1, `Name:\t${str(pvc, 'metadata.name')}\n`);
    w.write(LEVEL_1, `StorageClass:\t${persistentVolumeClaimClass(pvc)}\n`);
    printLabelsMultiline(w, 'Labels', strMap(pvc, 'metadata.labels'), '  ');
    printLabelsMultiline(w, 'Annotations', strMap(pvc, 'metadata.annotations'), '  ');
    const capacity = get(pvc, 'spec.resources.requests.storage');
    w.write(LEVEL_1, `Capacity:\t${capacity === undefined ? '<default>' : str(pvc, 'spec.resources.requests.storage')}\n`);
    w.write(LEVEL_1, `Access Modes:\t[${strArr(pvc, 'spec.accessModes').join(' ')}]\n`);
  }
}

/** storageutil.GetPersistentVolumeClaimClass: the beta annotation wins over spec.storageClassName. */
export function persistentVolumeClaimClass(pvc: unknown): string {
  const ann = strMap(pvc, 'metadata.annotations')['volume.beta.kubernetes.io/storage-class'];
  if (ann !== undefined) return ann;
  return str(pvc, 'spec.storageClassName');
}

/** kubectl describe statefulset. */
export async function describeStatefulSet(ss: KubeObject, ctx: DescribeContext): Promise<string> {
  const selector = selectorString(get(ss, 'spec.selector'));
  const counts = await podStatusForController(ctx, ss, selector);
  if (counts.error) throw counts.error;
  return tabbedString((w) => {
    header(w, ss);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(get(ss, 'metadata.creationTimestamp'))}\n`);
    w.write(LEVEL_0, `Selector:\t${selector}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(ss));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(ss));
    w.write(LEVEL_0, `Replicas:\t${num(ss, 'spec.replicas')} desired | ${num(ss, 'status.replicas')} total\n`);
    w.write(LEVEL_0, `Update Strategy:\t${str(ss, 'spec.updateStrategy.type')}\n`);
    if (has(ss, 'spec.updateStrategy.rollingUpdate.partition')) {
      w.write(LEVEL_1, `Partition:\t${num(ss, 'spec.updateStrategy.rollingUpdate.partition')}\n`);
      if (has(ss, 'spec.updateStrategy.rollingUpdate.maxUnavailable')) {
        w.write(LEVEL_1, `MaxUnavailable:\t${intOrString(get(ss, 'spec.updateStrategy.rollingUpdate.maxUnavailable'))}\n`);
      }
    }
    w.write(LEVEL_0, `Pods Status:\t${formatPodPhaseCounts(counts)}\n`);
    describePodTemplate(get(ss, 'spec.template'), w);
    describeVolumeClaimTemplates(arr(ss, 'spec.volumeClaimTemplates'), w);
    events(w, ctx);
  });
}

/** kubectl describe daemonset. */
export async function describeDaemonSet(ds: KubeObject, ctx: DescribeContext): Promise<string> {
  const selector = selectorString(get(ds, 'spec.selector'));
  const counts = await podStatusForController(ctx, ds, selector);
  if (counts.error) throw counts.error;
  return tabbedString((w) => {
    header(w, ds);
    const st = obj(ds, 'status');
    w.write(LEVEL_0, `Selector:\t${selector}\n`);
    w.write(LEVEL_0, `Node-Selector:\t${formatLabels(strMap(ds, 'spec.template.spec.nodeSelector'))}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(ds));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(ds));
    w.write(LEVEL_0, `Desired Number of Nodes Scheduled: ${num(st, 'desiredNumberScheduled')}\n`);
    w.write(LEVEL_0, `Current Number of Nodes Scheduled: ${num(st, 'currentNumberScheduled')}\n`);
    w.write(LEVEL_0, `Number of Nodes Scheduled with Up-to-date Pods: ${num(st, 'updatedNumberScheduled')}\n`);
    w.write(LEVEL_0, `Number of Nodes Scheduled with Available Pods: ${num(st, 'numberAvailable')}\n`);
    w.write(LEVEL_0, `Number of Nodes Misscheduled: ${num(st, 'numberMisscheduled')}\n`);
    w.write(LEVEL_0, `Pods Status:\t${formatPodPhaseCounts(counts)}\n`);
    describePodTemplate(get(ds, 'spec.template'), w);
    events(w, ctx);
  });
}

function capIndexes(indexes: string, softLimit: number): string {
  if (indexes.length === 0) return '<none>';
  let ix = softLimit;
  for (; ix < indexes.length; ix++) if (indexes[ix] === ',') break;
  return ix >= indexes.length ? indexes : `${indexes.slice(0, ix + 1)}...`;
}

/** kubectl describe job. */
export function describeJob(job: KubeObject, ctx: DescribeContext): Promise<string> {
  return tabbedString((w) => {
    header(w, job);
    const spec = obj(job, 'spec');
    const st = obj(job, 'status');
    w.write(LEVEL_0, `Selector:\t${selectorString(spec['selector'])}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(job));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(job));
    const controlledBy = controllerOf(job);
    if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
    if (has(spec, 'parallelism')) w.write(LEVEL_0, `Parallelism:\t${num(spec, 'parallelism')}\n`);
    w.write(LEVEL_0, `Completions:\t${has(spec, 'completions') ? num(spec, 'completions') : '<unset>'}\n`);
    if (has(spec, 'completionMode')) w.write(LEVEL_0, `Completion Mode:\t${str(spec, 'completionMode')}\n`);
    if (has(spec, 'suspend')) w.write(LEVEL_0, `Suspend:\t${String(spec['suspend'] === true)}\n`);
    if (has(spec, 'backoffLimit')) w.write(LEVEL_0, `Backoff Limit:\t${num(spec, 'backoffLimit')}\n`);
    if (has(spec, 'ttlSecondsAfterFinished')) w.write(LEVEL_0, `TTL Seconds After Finished:\t${num(spec, 'ttlSecondsAfterFinished')}\n`);
    if (has(st, 'startTime')) w.write(LEVEL_0, `Start Time:\t${rfc1123z(st['startTime'])}\n`);
    if (has(st, 'completionTime')) w.write(LEVEL_0, `Completed At:\t${rfc1123z(st['completionTime'])}\n`);
    if (has(st, 'startTime') && has(st, 'completionTime')) {
      const d = Date.parse(str(st, 'completionTime')) - Date.parse(str(st, 'startTime'));
      w.write(LEVEL_0, `Duration:\t${humanDuration(d)}\n`);
    }
    if (has(spec, 'activeDeadlineSeconds')) w.write(LEVEL_0, `Active Deadline Seconds:\t${num(spec, 'activeDeadlineSeconds')}s\n`);
    if (!has(st, 'ready')) {
      w.write(LEVEL_0, `Pods Statuses:\t${num(st, 'active')} Active / ${num(st, 'succeeded')} Succeeded / ${num(st, 'failed')} Failed\n`);
    } else {
      w.write(
        LEVEL_0,
        `Pods Statuses:\t${num(st, 'active')} Active (${num(st, 'ready')} Ready) / ${num(st, 'succeeded')} Succeeded / ${num(st, 'failed')} Failed\n`,
      );
    }
    if (str(spec, 'completionMode') === 'Indexed') w.write(LEVEL_0, `Completed Indexes:\t${capIndexes(str(st, 'completedIndexes'), 50)}\n`);
    describePodTemplate(get(spec, 'template'), w);
    events(w, ctx);
  });
}

/** kubectl describe cronjob. */
export function describeCronJob(cj: KubeObject, ctx: DescribeContext): Promise<string> {
  return tabbedString((w) => {
    header(w, cj);
    const spec = obj(cj, 'spec');
    printLabelsMultiline(w, 'Labels', labelsOf(cj));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(cj));
    w.write(LEVEL_0, `Schedule:\t${str(spec, 'schedule')}\n`);
    w.write(LEVEL_0, `Concurrency Policy:\t${str(spec, 'concurrencyPolicy')}\n`);
    w.write(LEVEL_0, `Suspend:\t${printBoolPtr(spec['suspend'])}\n`);
    const opt = (field: string, suffix = ''): string => (has(spec, field) ? `${num(spec, field)}${suffix}` : '<unset>');
    w.write(LEVEL_0, `Successful Job History Limit:\t${opt('successfulJobsHistoryLimit')}\n`);
    w.write(LEVEL_0, `Failed Job History Limit:\t${opt('failedJobsHistoryLimit')}\n`);
    w.write(LEVEL_0, `Starting Deadline Seconds:\t${opt('startingDeadlineSeconds', 's')}\n`);
    const jt = obj(spec, 'jobTemplate.spec');
    w.write(LEVEL_0, `Selector:\t${has(jt, 'selector') ? selectorString(jt['selector']) : '<unset>'}\n`);
    w.write(LEVEL_0, `Parallelism:\t${has(jt, 'parallelism') ? num(jt, 'parallelism') : '<unset>'}\n`);
    w.write(LEVEL_0, `Completions:\t${has(jt, 'completions') ? num(jt, 'completions') : '<unset>'}\n`);
    if (has(jt, 'activeDeadlineSeconds')) w.write(LEVEL_0, `Active Deadline Seconds:\t${num(jt, 'activeDeadlineSeconds')}s\n`);
    describePodTemplate(get(jt, 'template'), w);
    const last = get(cj, 'status.lastScheduleTime');
    w.write(LEVEL_0, `Last Schedule Time:\t${last ? rfc1123z(last) : '<unset>'}\n`);
    const active = arr(cj, 'status.active');
    w.write(LEVEL_0, 'Active Jobs:\t');
    w.writeLine(active.length === 0 ? '<none>' : active.map((j) => str(j, 'name')).join(', '));
    events(w, ctx);
  });
}
