// SPDX-License-Identifier: Apache-2.0

/** Values pushed by callbacks, read in order as an async iterable that ends after end(). */
export interface PushQueue<T> {
  push(value: T): void;
  end(): void;
  values: AsyncIterable<T>;
}

export function pushQueue<T>(): PushQueue<T> {
  const items: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    push: (value) => {
      if (ended) return;
      items.push(value);
      notify();
    },
    end: () => {
      ended = true;
      notify();
    },
    values: (async function* () {
      for (;;) {
        if (items.length > 0) yield items.shift() as T;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    })(),
  };
}
