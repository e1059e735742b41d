// SPDX-License-Identifier: Apache-2.0
import { MAX_NODE_SCORE, type CycleState, type Handle, type ScorePlugin } from '../interface';
import { normalizeImageName, type NodeInfo } from '../node-info';
import { Status } from '../status';
import type { Pod } from '../types';

export const IMAGE_LOCALITY = 'ImageLocality';
const MB = 1024 * 1024;
/** Below this much image data present the score is 0 (kube-scheduler's minThreshold). */
const MIN_THRESHOLD = 23 * MB;
/** Per container, this much image data present gives the full score. */
const MAX_CONTAINER_THRESHOLD = 1000 * MB;
const PRE_SCORE_KEY = 'PreScore' + IMAGE_LOCALITY;

/** A pod's images (normalized) with the share of nodes that have each, and its container count. */
interface PodImages {
  images: { name: string; spread: number }[];
  containers: number;
}

/**
 * ImageLocality: favours nodes that already have the pod's images (node.status.images),
 * weighting each image's size by the share of nodes that have it, so one popular image
 * does not pull every pod to the same nodes.
 */
export class ImageLocality implements ScorePlugin {
  readonly name = IMAGE_LOCALITY;
  constructor(private readonly handle: Handle) {}

  /**
   * The pod's images and their spread, once per pod rather than once per node. When no node
   * has any of them every score would be 0: Skip, and Score does not run.
   */
  preScore(state: CycleState, pod: Pod): Status | undefined {
    const images = this.podImages(pod);
    if (images.images.every((i) => i.spread === 0)) return new Status('Skip');
    state.write(PRE_SCORE_KEY, images);
    return undefined;
  }

  score(state: CycleState, pod: Pod, info: NodeInfo): number {
    const { images, containers } = state.read<PodImages>(PRE_SCORE_KEY) ?? this.podImages(pod);
    if (images.length === 0) return 0;
    let sum = 0;
    for (const image of images) {
      const size = info.images.get(image.name);
      if (size !== undefined) sum += Math.trunc(size * image.spread);
    }
    const max = MAX_CONTAINER_THRESHOLD * containers;
    if (sum < MIN_THRESHOLD) return 0;
    if (sum > max) sum = max;
    return Math.trunc((MAX_NODE_SCORE * (sum - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
  }

  private podImages(pod: Pod): PodImages {
    const total = this.handle.cache.nodeCount();
    const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    if (total === 0) return { images: [], containers: all.length };
    const images = all.flatMap((c) => (c.image ? [{ name: normalizeImageName(c.image), spread: this.handle.cache.imageNodeCount(c.image) / total }] : []));
    return { images, containers: all.length };
  }
}
