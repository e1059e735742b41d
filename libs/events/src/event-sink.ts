// SPDX-License-Identifier: Apache-2.0
import { eventKey, type KubeEvent } from './event';
import { deepCopy } from '@berth/api';

/**
 * Where a recorder writes events: each call carries a new event or a newer version of one
 * (same name, higher count). write must not block or throw; delivery is the sink's business.
 */
export interface EventSink {
  write(event: KubeEvent): void;
}

/**
 * A sink that keeps events in memory: the latest version of each, in first-seen order.
 * For unit tests of components that record events (the NATS path has its own tests).
 */
export class MemoryEventSink implements EventSink {
  private readonly byKey = new Map<string, KubeEvent>();

  write(event: KubeEvent): void {
    this.byKey.set(eventKey(event), deepCopy(event));
  }

  /** The latest version of every event written. */
  get events(): KubeEvent[] {
    return [...this.byKey.values()];
  }

  /** `Type Reason Message` lines, like client-go's FakeRecorder, for terse assertions. */
  lines(): string[] {
    return this.events.map((e) => `${e.type} ${e.reason} ${e.message}`);
  }

  clear(): void {
    this.byKey.clear();
  }
}
