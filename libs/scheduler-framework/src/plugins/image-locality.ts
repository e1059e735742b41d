// SPDX-License-Identifier: Apache-2.0
import { MAX_NODE_SCORE, type CycleState, type Handle, type ScorePlugin } from '../interface';
import { normalizeImageName, type NodeInfo } from '../node-info';
import type { Pod } from '../types';

export const IMAGE_LOCALITY = 'ImageLocality';
const MB = 1024 * 1024;
/** Below this much image data present the score is 0 (kube-scheduler's minThreshold). */
const MIN_THRESHOLD = 23 * MB;
/** Per container, this much image data present gives the full score. */
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/**
 * ImageLocality: favours nodes that already have the pod's images (node.status.images),
 * weighting each image's size by the share of nodes that have it, so one popular image
 * does not pull every pod to the same nodes.
 */
export class ImageLocality implements ScorePlugin {
  readonly name = IMAGE_LOCALITY;
  constructor(private readonly handle: Handle) {}

  score(_state: CycleState, pod: Pod, info: NodeInfo): number {
    const total = this.handle.cache.nodeCount();
    const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    if (total === 0 || containers.length === 0) return 0;
    let sum = 0;
    for (const c of containers) {
      if (!c.image) continue;
      const size = info.images.get(normalizeImageName(c.image));
      if (size === undefined) continue;
      sum += Math.trunc(size * (this.handle.cache.imageNodeCount(c.image) / total));
    }
    const max = MAX_CONTAINER_THRESHOLD * containers.length;
    if (sum < MIN_THRESHOLD) return 0;
    if (sum > max) sum = max;
    return Math.trunc((MAX_NODE_SCORE * (sum - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
  }
}
