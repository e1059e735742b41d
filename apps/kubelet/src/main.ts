// SPDX-License-Identifier: Apache-2.0
import { setMaxListeners } from 'node:events';
import { readFileSync, statfsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { arch, cpus, freemem, networkInterfaces, release, totalmem } from 'node:os';
import { connectNats, createEventRecorder, createNatsEventRecorder, type EventRecorder, type NatsConnection } from '@berth/events';
import { apiClientFromFiles } from '@berth/grpc';
import { configOrExit, createLogger, createMetricsRegistry, startHealthServer } from '@berth/observability';
import { Kubelet, NetworkProber, NodeAgent, NODES, StatsCollector, VolumeManager, nodePodCIDR, thisProcessUsage, type Node } from '@berth/kubelet-core';
import { MemoryRuntime, type ContainerRuntime } from '@berth/runtime';
import { DockerRuntime } from '@berth/runtime-docker';
import { Gauge } from 'prom-client';
import { serveNodeTunnel, TunnelError } from '@berth/node-tunnel';
import { POD_ROUTES_CONTROLLER, podRoutesControllerForThisNode, type PodRoutesController } from '@berth/pod-network';
import { compileKubeletConfig, ConfigError } from './config';

const logger = createLogger('kubelet');
const KUBELET_VERSION = 'v1.29.0-berth';

async function main(): Promise<void> {
  const config = configOrExit(() => compileKubeletConfig(process.argv.slice(2), process.env), ConfigError);
  logger.level = config.logLevel;
  const client = apiClientFromFiles(config.apiservers, config.tls);
  const component = 'kubelet';
  let recorder: EventRecorder;
  let closeRecorder = async (): Promise<void> => {};
  let natsConn: NatsConnection | undefined;
  if (config.natsUrl) {
    const nc = await connectNats(config.natsUrl, `kubelet-${config.nodeName}`);
    natsConn = nc;
    const nats = createNatsEventRecorder({ nc, component, host: config.nodeName, onError: (err) => logger.warn({ err }, 'event dropped') });
    recorder = nats;
    closeRecorder = async () => {
      await nats.close(2000);
      await nc.close();
    };
  } else {
    recorder = createEventRecorder({
      component,
      host: config.nodeName,
      sink: { write: (e) => logger.info({ event: { object: `${e.involvedObject.namespace}/${e.involvedObject.name}`, type: e.type, reason: e.reason } }, e.message) },
    });
  }

  const nodeIP = config.nodeIP || detectNodeIP();
  const capacity = {
    cpu: config.cpu || String(cpus().length),
    memory: config.memory || `${Math.floor(totalmem() / 1024)}Ki`,
    pods: String(config.maxPods),
  };
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': config.nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch() === 'x64' ? 'amd64' : arch(),
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': arch() === 'x64' ? 'amd64' : arch(),
    ...(config.nodeRole ? { [`node-role.kubernetes.io/${config.nodeRole}`]: '' } : {}),
    ...config.nodeLabels,
  };
  let runtimeVersion = `${config.runtime}://unknown`;
  // Not Ready until the runtime is initialised (pod network created, version known).
  let runtimeUp = false;
  const agent = new NodeAgent(
    client,
    {
      nodeName: config.nodeName,
      hostIP: nodeIP,
      hostname: config.nodeName,
      capacity,
      labels,
      kubeletPort: 10250,
      ...(config.podCIDR ? { podCIDR: config.podCIDR } : {}),
      get nodeInfo() {
        return nodeInfo(runtimeVersion);
      },
    },
    () => pressure(config.rootDir, runtimeUp),
    { logger },
  );

  const stop = new AbortController();
  // Every informer and worker of the process listens on this one signal, by design.
  setMaxListeners(0, stop.signal);
  const registry = createMetricsRegistry('kubelet');
  let ready = false;
  const health = await startHealthServer({ port: config.healthPort, metrics: registry, ready: () => ready });
  logger.info({ node: config.nodeName, healthPort: health.port, runtime: config.runtime, apiservers: config.apiservers }, 'kubelet starting');

  // Register first: the node IPAM controller then gives us a pod CIDR (unless --pod-cidr).
  let node: Node | undefined;
  while (!node && !stop.signal.aborted) {
    try {
      node = await agent.register();
    } catch (err) {
      logger.warn({ err: String(err) }, 'node registration failed; retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  let podCIDR = config.podCIDR || (node ? nodePodCIDR(node) : undefined);
  while (!podCIDR) {
    logger.info({}, 'waiting for spec.podCIDR from the node IPAM controller');
    await new Promise((r) => setTimeout(r, 1000));
    podCIDR = nodePodCIDR(await client.get<Node>(NODES, '', config.nodeName).catch(() => ({}) as Node));
  }

  // Host-gateway pod network: a route to every other node's pod CIDR and NAT for pod egress,
  // programmed in this process's network namespace (the node's: a multi-node setup starts
  // the kubelet with `nsenter --net`). Routes to nodes that have no pod CIDR yet follow later.
  let podRoutes: PodRoutesController | undefined;
  if (config.podRoutes && config.runtime === 'docker') {
    podRoutes = podRoutesControllerForThisNode({ client, nodeName: config.nodeName, clusterCidr: config.clusterCIDR, logger: logger.child({ controller: POD_ROUTES_CONTROLLER }) });
    podRoutes.start(stop.signal);
    logger.info({ clusterCIDR: config.clusterCIDR }, 'programming host-gateway pod routes');
  } else if (config.podRoutes) {
    logger.warn({ runtime: config.runtime }, '--pod-routes needs --runtime docker; no pod routes are programmed');
  }

  let runtime: ContainerRuntime;
  let closeRuntime = (): void => {};
  if (config.runtime === 'docker') {
    const docker = new DockerRuntime({ socketPath: config.dockerHost, nodeName: config.nodeName, podCidr: podCIDR, pauseImage: config.pauseImage, stateDir: `${config.rootDir}/sandboxes` });
    await docker.init();
    closeRuntime = () => docker.close();
    runtime = docker;
  } else {
    runtime = new MemoryRuntime({ podCidr: podCIDR, pullable: (img) => !img.endsWith(':does-not-exist') });
  }
  const v = await runtime.version();
  runtimeVersion = `${v.name}://${v.version}`;
  runtimeUp = true;
  await agent.updateStatus();

  await mkdir(config.rootDir, { recursive: true });
  const kubelet: Kubelet = new Kubelet(client, {
    nodeName: config.nodeName,
    client,
    runtime,
    recorder,
    volumes: new VolumeManager(config.rootDir, {
      configMap: (ns, name) => kubelet.configMaps.store.get(`${ns}/${name}`),
      secret: (ns, name) => kubelet.secrets.store.get(`${ns}/${name}`),
    }),
    prober: new NetworkProber(runtime),
    hostIP: nodeIP,
    allocatable: { cpu: Number(capacity.cpu) || cpus().length, memoryBytes: totalmem() },
    clusterDNS: config.clusterDNS,
    clusterDomain: config.clusterDomain,
    workers: config.podWorkers,
    logger,
  });
  new Gauge({
    name: 'kubelet_running_pods',
    help: 'Pods known to this kubelet',
    registers: [registry],
    collect() {
      this.set(kubelet.pods.store.list().length);
    },
  });

  // Resource usage (berth top): sampled every 10 s, answered from the last window. The
  // node's usage is its pods' plus this process's (see StatsCollector).
  const stats = new StatsCollector({ runtime, nodeName: config.nodeName, system: thisProcessUsage, logger });
  const sampling = stats.run(stop.signal);

  // logs, exec and stats for the apiserver, over this node's NATS subjects
  const stopTunnel = natsConn
    ? serveNodeTunnel({
        nc: natsConn,
        nodeName: config.nodeName,
        runtime,
        stats: () => stats.summary(),
        resolve: async (namespace, podName, containerName, previous) => {
          const pod = kubelet.pods.store.get(`${namespace}/${podName}`);
          if (!pod) throw new TunnelError('NotFound', `pods "${podName}" not found`);
          const names = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => c.name ?? '');
          const name = containerName || names[0] || '';
          if (!names.includes(name)) throw new TunnelError('BadRequest', `container ${name} is not valid for pod ${podName}`);
          const list = (await runtime.listContainers({ podUid: pod.metadata?.uid ?? '' })).filter((c) => c.name === name).sort((a, b) => b.attempt - a.attempt);
          const c = previous ? list[1] : list[0];
          if (!c) {
            throw new TunnelError('BadRequest', previous ? `previous terminated container "${name}" in pod "${podName}" not found` : `container "${name}" in pod "${podName}" is waiting to start: ContainerCreating`);
          }
          return c.id;
        },
      })
    : () => {};
  const heartbeat = agent.run(stop.signal);
  const runtimeCheck = setInterval(() => {
    runtime.ping().then(
      () => (runtimeUp = true),
      () => (runtimeUp = false),
    );
  }, 5000);
  const running = kubelet.run(stop.signal);
  void kubelet.pods.waitForSync(stop.signal).then(() => {
    ready = true;
    logger.info({ node: config.nodeName, podCIDR, nodeIP }, 'kubelet ready');
  }, () => {});

  const shutdown = async (code: number): Promise<never> => {
    stop.abort();
    stopTunnel();
    clearInterval(runtimeCheck);
    // Pods keep running: a kubelet restart must not restart them.
    // Pod routes stay too: pods on other nodes keep reaching ours across a restart.
    await Promise.allSettled([running, heartbeat, sampling, podRoutes?.stop()]);
    closeRuntime();
    await Promise.allSettled([closeRecorder(), health.close()]);
    client.close();
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));
}

function detectNodeIP(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(docker|br-|veth|berth)/.test(name)) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function nodeInfo(runtimeVersion: string) {
  const read = (p: string): string => {
    try {
      return readFileSync(p, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(read('/etc/os-release'))?.[1] ?? 'Linux';
  return {
    machineID: read('/etc/machine-id'),
    systemUUID: read('/sys/class/dmi/id/product_uuid'),
    bootID: read('/proc/sys/kernel/random/boot_id'),
    kernelVersion: release(),
    osImage: pretty,
    containerRuntimeVersion: runtimeVersion,
    kubeletVersion: KUBELET_VERSION,
    kubeProxyVersion: KUBELET_VERSION,
    operatingSystem: 'linux',
    architecture: arch() === 'x64' ? 'amd64' : arch(),
  };
}

/** Eviction-style signals: memory.available < 100Mi, nodefs < 10 % free, PIDs > 90 % of pid_max. */
function pressure(rootDir: string, runtimeUp: boolean) {
  let disk = false;
  try {
    const s = statfsSync(rootDir);
    disk = s.bavail / s.blocks < 0.1;
  } catch {
    disk = false;
  }
  let pid = false;
  try {
    const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    pid = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).length > 0.9 * max;
  } catch {
    pid = false;
  }
  return { memory: freemem() < 100 * 1024 * 1024, disk, pid, ...(runtimeUp ? {} : { notReady: 'container runtime is not ready' }) };
}


main().catch((err: unknown) => {
  logger.fatal({ err }, 'kubelet failed');
  process.exit(1);
});
