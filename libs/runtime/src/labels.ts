// SPDX-License-Identifier: Apache-2.0
import type { PodRef } from './runtime';

/**
 * The labels every managed container carries (the dockershim's io.kubernetes.* labels), so
 * a restarted kubelet finds its pods, containers and restart counts in the runtime alone.
 */
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const LABEL_ATTEMPT = 'io.kubernetes.container.restartCount';
export const LABEL_SANDBOX_ID = 'io.kubernetes.sandbox.id';
/** Marks containers managed by a Berth kubelet (value: the node name). */
export const LABEL_MANAGED_BY = 'berth.io/node';
/** 'sandbox' for pause containers, 'container' otherwise. */
export const LABEL_KIND = 'berth.io/kind';
/** Hash of the container spec the container was created from. */
export const LABEL_CONTAINER_HASH = 'berth.io/container-hash';

/** The pod ref stored in a container's labels (empty strings when missing). */
export function podRefFromLabels(labels: Record<string, string>): PodRef {
  return {
    uid: labels[LABEL_POD_UID] ?? '',
    name: labels[LABEL_POD_NAME] ?? '',
    namespace: labels[LABEL_POD_NAMESPACE] ?? '',
  };
}

/** The pod labels of a container. */
export function podLabels(pod: PodRef): Record<string, string> {
  return { [LABEL_POD_UID]: pod.uid, [LABEL_POD_NAME]: pod.name, [LABEL_POD_NAMESPACE]: pod.namespace };
}

/**
 * Kubernetes' container name: k8s_<container>_<pod>_<namespace>_<uid>_<attempt>, and
 * k8s_POD_... for the sandbox (what `docker ps` shows on a kubeadm node).
 */
export function containerRuntimeName(pod: PodRef, container: string, attempt: number): string {
  return `k8s_${container}_${pod.name}_${pod.namespace}_${pod.uid}_${attempt}`;
}

/** The sandbox's runtime name. */
export function sandboxRuntimeName(pod: PodRef, attempt: number): string {
  return containerRuntimeName(pod, 'POD', attempt);
}
