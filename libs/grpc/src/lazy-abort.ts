// SPDX-License-Identifier: Apache-2.0

/**
 * An AbortController made only when its signal is first read. Few handlers read their
 * call's signal, and one AbortController per call was 1% of a busy apiserver's CPU; an
 * abort before the first read still shows in the signal then.
 */
export class LazyAbort {
  private ac: AbortController | undefined;
  private isAborted = false;

  get signal(): AbortSignal {
    if (!this.ac) {
      this.ac = new AbortController();
      if (this.isAborted) this.ac.abort();
    }
    return this.ac.signal;
  }

  get aborted(): boolean {
    return this.isAborted;
  }

  abort(): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.ac?.abort();
  }
}
