// SPDX-License-Identifier: Apache-2.0

/** What the compactor needs of the store: one coordinated round (EtcdStorage.compactRound). */
export interface Compactable {
  /**
   * If the compaction key's version is still `expectVersion`, records `revision` in it and
   * compacts the history up to `revision` (not when it is '0'); otherwise does nothing.
   * Returns the key's version now and the store's current revision.
   */
  compactRound(expectVersion: number, revision: string): Promise<{ version: number; revision: string }>;
}

export interface CompactorOptions {
  /** Time between rounds (kube-apiserver's --etcd-compaction-interval, default 5 minutes). */
  intervalMs: number;
  /** Told about failed rounds; the next round tries again. */
  onError?: (err: unknown) => void;
}

/**
 * kube-apiserver's compactor (storage/etcd3/compact.go): every interval, each apiserver
 * offers to compact etcd's history up to the revision it saw one interval earlier. The
 * compaction key's version is how many rounds were agreed, so with several apiservers only
 * the first to come in a round compacts, and the others adopt its count. Keeping one
 * interval of history lets watches that fell a little behind resume; without compaction
 * etcd keeps every version of every object until its space quota stops all writes.
 * Returns a stop function.
 */
export function startCompactor(store: Compactable, opts: CompactorOptions): () => void {
  let version = 0;
  let revision = '0';
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const round = async (): Promise<void> => {
    try {
      ({ version, revision } = await store.compactRound(version, revision));
    } catch (err) {
      opts.onError?.(err);
    }
    if (!stopped) timer = setTimeout(() => void round(), opts.intervalMs);
  };
  timer = setTimeout(() => void round(), opts.intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
