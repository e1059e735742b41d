// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import { InformerFactory, type SharedInformer } from '@berth/client';
import { FakeApi } from '@berth/client/testing';
import type { ControllerEventRecorder } from './controller-descriptor';

/** A recorder that keeps `Type Reason Message` lines, for unit tests. */
export class RecordingRecorder implements ControllerEventRecorder {
  readonly lines: string[] = [];
  event(_obj: KubeObject, type: string, reason: string, message: string): void {
    this.lines.push(`${type} ${reason} ${message}`);
  }
  eventf(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, fmt: string, ...args: unknown[]): void {
    this.event(obj, type, reason, [fmt, ...args].join(' '));
  }
}

/**
 * FakeApi plus a running InformerFactory over it, for controller unit tests that call
 * sync(key) directly. `settle()` waits until every informer has seen every write.
 */
export class ControllerFixture {
  readonly api: FakeApi;
  readonly informers: InformerFactory;
  readonly recorder = new RecordingRecorder();
  private readonly abort = new AbortController();
  private readonly used: SharedInformer[] = [];
  clock = new Date('2024-01-01T00:00:00Z');

  constructor() {
    this.api = new FakeApi({ now: () => this.clock });
    this.informers = new InformerFactory(this.api);
  }

  informer<T extends KubeObject>(type: { group: string; version: string; resource: string }): SharedInformer<T> {
    const inf = this.informers.informerFor<T>(type);
    this.used.push(inf as unknown as SharedInformer);
    return inf;
  }

  async start(): Promise<void> {
    this.informers.start(this.abort.signal);
    await this.informers.waitForSync(this.abort.signal);
    await this.settle();
  }

  /** Waits until the informers' caches reflect the API's latest resourceVersion. */
  async settle(): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      this.api.sendBookmarks();
      await new Promise((r) => setTimeout(r, 5));
      const rv = this.api.resourceVersion();
      if (this.used.every((i) => Number(i.lastSyncResourceVersion()) >= Number(rv))) return;
      if (Date.now() > deadline) throw new Error('informers did not catch up');
    }
  }

  stop(): void {
    this.abort.abort();
  }
}
