// SPDX-License-Identifier: Apache-2.0
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GrpcApiClient } from '@berth/grpc';
import { startEtcd, type EtcdServer } from './etcd-server';
import { freePort } from './free-port';
import { startNats, type NatsServer } from './nats-server';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Node flags of control-plane processes, as the images' entrypoints (deploy/images/build-components.sh). */
export const CONTROL_PLANE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/** A real control plane for integration tests: etcd, NATS and the apiserver as a child process. */
export interface TestControlPlane {
  etcd: EtcdServer;
  nats: NatsServer;
  /** host:port of the apiserver's gRPC API (plaintext on loopback). */
  apiserverAddress: string;
  /** A new client of the apiserver (close it when done). */
  client(): GrpcApiClient;
  /** Stops the apiserver (e.g. to test clients riding out an outage); start() brings it back on the same port. */
  stopApiserver(): Promise<void>;
  startApiserver(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts etcd, NATS and `apps/apiserver` (run from source with tsx) on free loopback ports
 * and waits until the API answers. Everything is removed by stop() or on process exit.
 */
export async function startControlPlane(): Promise<TestControlPlane> {
  const [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const logs: string[] = [];

  const start = async (): Promise<void> => {
    child = spawn(
      process.execPath,
      [...CONTROL_PLANE_NODE_FLAGS, '--import', 'tsx', join(REPO, 'apps/apiserver/src/main.ts'), '--insecure', '--bind-address', address, '--etcd-servers', etcd.endpoint, '--nats-url', nats.url],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BERTH_LOG_LEVEL: process.env['BERTH_LOG_LEVEL'] ?? 'warn' } },
    );
    child.stderr?.on('data', (d: Buffer) => {
      logs.push(d.toString());
      if (logs.length > 200) logs.shift();
    });
    const probe = new GrpcApiClient({ addresses: [address], maxAttempts: 1, connectTimeoutMs: 500, timeoutMs: 2000 });
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the apiserver exited (${child.exitCode}):\n${logs.join('')}`);
        try {
          await probe.list({ group: '', version: 'v1', resource: 'namespaces' });
          return;
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`the apiserver did not answer within 30 s: ${String(e)}\n${logs.join('')}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      probe.close();
    }
  };
  const stopApiserver = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await new Promise((r) => c.once('exit', r));
    clearTimeout(timer);
  };
  process.once('exit', () => child?.kill('SIGKILL'));
  try {
    await start();
  } catch (e) {
    await stopApiserver();
    await Promise.all([etcd.stop(), nats.stop()]);
    throw e;
  }
  return {
    etcd,
    nats,
    apiserverAddress: address,
    client: () => new GrpcApiClient({ addresses: [address] }),
    stopApiserver,
    startApiserver: start,
    stop: async () => {
      await stopApiserver();
      await Promise.all([etcd.stop(), nats.stop()]);
    },
  };
}
