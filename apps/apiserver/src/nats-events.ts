// SPDX-License-Identifier: Apache-2.0
import { badRequest, type KubeObject } from '@berth/api';
import { connectNats, EventStore, NatsEventSink, type KubeEvent, type NatsConnection } from '@berth/events';
import type { Logger } from '@berth/observability';
import type { EventSource } from '@berth/registry';

/**
 * Connects to NATS and serves the `events` resource from the JetStream stream: lists and
 * watches from the EventStore, creates through the sink (waiting until the stored
 * version is readable, so a create is followed by a consistent get).
 */
export async function connectEventSource(url: string, logger: Logger): Promise<{ source: EventSource; nc: NatsConnection; close(): Promise<void> }> {
  const nc = await connectNats(url, 'berth-apiserver');
  const onError = (err: unknown): void => logger.warn({ err }, 'events stream');
  const store = new EventStore(nc, { onError });
  await store.start();
  const sink = new NatsEventSink({ nc, onError });
  const source: EventSource = {
    list: async (opts) => store.list(opts),
    watch: (opts) => store.watch(opts),
    record: async (event: KubeObject) => {
      const meta = event.metadata;
      if (!meta?.name || !meta.namespace) throw badRequest('an event needs metadata.name and metadata.namespace');
      sink.write({ count: 1, ...event, metadata: { ...meta, namespace: meta.namespace, name: meta.name } } as KubeEvent);
      const seq = await sink.flush();
      await store.waitForSequence(seq);
      const stored = store.list({ namespace: meta.namespace, fieldSelector: `metadata.name=${meta.name}` }).items[0];
      return stored ?? event;
    },
  };
  return {
    source,
    nc,
    close: async () => {
      await store.stop();
      await sink.close();
      await nc.drain();
    },
  };
}
