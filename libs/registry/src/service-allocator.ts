// SPDX-License-Identifier: Apache-2.0
import { invalid, isValidCidr, type FieldError, type KubeObject } from '@berth/api';
import { isStorageError, type Storage } from '@berth/storage';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

export interface ServiceAllocatorOptions {
  /** Service ClusterIPs come from here (kube-apiserver's --service-cluster-ip-range). */
  serviceCidr?: string;
  /** NodePorts come from here (--service-node-port-range). */
  nodePortRange?: [number, number];
  /** External IPs for type LoadBalancer services; none → they stay <pending>. */
  loadBalancerCidr?: string;
}

/** What an allocation did, so the caller can undo it if the write fails or free the old one after. */
export interface AllocationResult {
  /** Frees what this call newly took (the write did not happen). */
  rollback(): Promise<void>;
  /** Frees what the previous version held and the new one no longer does (after a successful update). */
  commit(): Promise<void>;
}

interface Range {
  base: number;
  size: number;
}

function parseCidr(cidr: string): Range {
  const [ip = '', bits = ''] = cidr.split('/');
  const base = ipToInt(ip);
  const size = 2 ** (32 - Number(bits));
  return { base: base - (base % size), size };
}
function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}
function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/**
 * Allocates Service ClusterIPs, NodePorts and LoadBalancer IPs. Each allocation is a key
 * in storage created with a create-if-absent transaction, so two apiserver replicas can
 * never hand out the same IP or port. Keys: /registry/allocations/{clusterips,nodeports,loadbalancerips}/<value>.
 */
export class ServiceAllocator {
  private readonly ips: Range;
  private readonly ports: [number, number];
  private readonly lbs: Range | undefined;

  constructor(
    private readonly storage: Storage,
    opts: ServiceAllocatorOptions = {},
  ) {
    const cidr = opts.serviceCidr ?? '10.96.0.0/12';
    if (isValidCidr(cidr).length) throw new Error(`service CIDR ${cidr}: ${isValidCidr(cidr).join('; ')}`);
    this.ips = parseCidr(cidr);
    this.ports = opts.nodePortRange ?? [30000, 32767];
    this.lbs = opts.loadBalancerCidr ? parseCidr(opts.loadBalancerCidr) : undefined;
  }

  /** The first usable IP of the range: the `kubernetes` Service's, by convention. */
  firstServiceIp(): string {
    return intToIp(this.ips.base + 1);
  }

  /**
   * Fills spec.clusterIP(s), nodePorts and (LoadBalancer) status.loadBalancer of `svc`,
   * keeping what `old` already had. Throws Invalid (naming the field) for a requested IP
   * or port that is taken or out of range.
   */
  async allocate(svc: KubeObject, old: KubeObject | undefined): Promise<AllocationResult> {
    const owner = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    const spec = obj(svc['spec']);
    const oldSpec = obj(old?.['spec']);
    const type = String(spec['type'] ?? 'ClusterIP');
    const taken: string[] = [];
    const freed: string[] = [];
    const errors: FieldError[] = [];
    const claim = async (key: string): Promise<boolean> => {
      try {
        await this.storage.create(key, { apiVersion: 'v1', kind: 'Allocation', metadata: { name: key.split('/').pop() ?? '' }, owner });
        taken.push(key);
        return true;
      } catch (e) {
        if (isStorageError(e, 'KeyExists')) return false;
        throw e;
      }
    };
    const rollback = async (): Promise<void> => {
      await Promise.all(taken.map((k) => this.release(k, owner)));
    };
    try {
      // ClusterIP
      const oldIp = typeof oldSpec['clusterIP'] === 'string' ? oldSpec['clusterIP'] : '';
      if (type === 'ExternalName') {
        if (oldIp && oldIp !== 'None') freed.push(this.ipKey(oldIp));
        delete spec['clusterIP'];
        delete spec['clusterIPs'];
      } else if (spec['clusterIP'] === 'None') {
        spec['clusterIPs'] = ['None'];
      } else {
        const wanted = typeof spec['clusterIP'] === 'string' && spec['clusterIP'] !== '' ? spec['clusterIP'] : oldIp && oldIp !== 'None' ? oldIp : '';
        let ip = wanted;
        if (wanted && wanted !== oldIp) {
          const n = ipToInt(wanted);
          if (n <= this.ips.base || n >= this.ips.base + this.ips.size - 1) {
            errors.push({ type: 'Invalid', field: 'spec.clusterIPs', value: [wanted], detail: `failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is ${intToIp(this.ips.base)}/${32 - Math.log2(this.ips.size)}` });
          } else if (!(await claim(this.ipKey(wanted)))) {
            errors.push({ type: 'Invalid', field: 'spec.clusterIPs', value: [wanted], detail: `failed to allocate IP ${wanted}: provided IP is already allocated` });
          }
        } else if (!wanted) {
          // Skip the network address and the first IP (the `kubernetes` Service's), and the broadcast.
          ip = await this.pick(this.ips.base + 2, this.ips.size - 3, (i) => intToIp(i), (v) => this.ipKey(v), claim);
          if (!ip) errors.push({ type: 'Invalid', field: 'spec.clusterIPs', value: [], detail: 'failed to allocate a serviceIP: range is full' });
        }
        if (ip) {
          spec['clusterIP'] = ip;
          spec['clusterIPs'] = [ip];
          spec['ipFamilies'] = ['IPv4'];
          spec['ipFamilyPolicy'] = spec['ipFamilyPolicy'] ?? 'SingleStack';
        }
      }
      // NodePorts
      const wantsNodePorts = type === 'NodePort' || type === 'LoadBalancer';
      const oldPorts = new Map<string, number>();
      for (const p of (oldSpec['ports'] as Json[] | undefined) ?? []) {
        if (typeof p['nodePort'] === 'number') oldPorts.set(`${String(p['port'])}/${String(p['protocol'] ?? 'TCP')}`, p['nodePort']);
      }
      const kept = new Set<number>();
      const ports = (spec['ports'] as Json[] | undefined) ?? [];
      for (const [i, p] of ports.entries()) {
        if (!wantsNodePorts) {
          delete p['nodePort'];
          continue;
        }
        const previous = oldPorts.get(`${String(p['port'])}/${String(p['protocol'] ?? 'TCP')}`);
        const requested = typeof p['nodePort'] === 'number' && p['nodePort'] !== 0 ? p['nodePort'] : undefined;
        const want = requested ?? previous;
        if (want !== undefined && want === previous) {
          p['nodePort'] = want;
          kept.add(want);
          continue;
        }
        if (want !== undefined) {
          if (want < this.ports[0] || want > this.ports[1]) {
            errors.push({ type: 'Invalid', field: `spec.ports[${i}].nodePort`, value: want, detail: `provided port is not in the valid range. The range of valid ports is ${this.ports[0]}-${this.ports[1]}` });
          } else if (!(await claim(this.portKey(want)))) {
            errors.push({ type: 'Invalid', field: `spec.ports[${i}].nodePort`, value: want, detail: 'provided port is already allocated' });
          } else {
            p['nodePort'] = want;
            kept.add(want);
          }
          continue;
        }
        const got = await this.pick(this.ports[0], this.ports[1] - this.ports[0] + 1, (n) => String(n), (v) => this.portKey(Number(v)), claim);
        if (got) {
          p['nodePort'] = Number(got);
          kept.add(Number(got));
        } else errors.push({ type: 'Invalid', field: `spec.ports[${i}].nodePort`, value: 0, detail: 'failed to allocate a nodePort: range is full' });
      }
      for (const port of oldPorts.values()) if (!kept.has(port)) freed.push(this.portKey(port));
      // LoadBalancer external IP (status, as a cloud controller would write it)
      const oldLb = ((obj(obj(old?.['status'])['loadBalancer'])['ingress'] as Json[] | undefined) ?? [])[0]?.['ip'];
      if (type === 'LoadBalancer' && this.lbs) {
        let lb = typeof oldLb === 'string' ? oldLb : '';
        if (!lb) lb = await this.pick(this.lbs.base + 1, this.lbs.size - 2, (i) => intToIp(i), (v) => this.lbKey(v), claim);
        if (lb) svc['status'] = { ...obj(svc['status']), loadBalancer: { ingress: [{ ip: lb, ipMode: 'VIP' }] } };
      } else if (typeof oldLb === 'string') {
        freed.push(this.lbKey(oldLb));
      }
      if (errors.length) {
        throw invalid({ resource: 'services', kind: 'Service', name: svc.metadata?.name ?? '' }, errors);
      }
    } catch (e) {
      await rollback();
      throw e;
    }
    return {
      rollback,
      commit: async () => {
        await Promise.all(freed.map((k) => this.release(k, owner)));
      },
    };
  }

  /** Frees everything a deleted service held. */
  async releaseAll(svc: KubeObject): Promise<void> {
    const owner = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    const spec = obj(svc['spec']);
    const keys: string[] = [];
    if (typeof spec['clusterIP'] === 'string' && spec['clusterIP'] !== 'None' && spec['clusterIP']) keys.push(this.ipKey(spec['clusterIP']));
    for (const p of (spec['ports'] as Json[] | undefined) ?? []) if (typeof p['nodePort'] === 'number') keys.push(this.portKey(p['nodePort']));
    const lb = ((obj(obj(svc['status'])['loadBalancer'])['ingress'] as Json[] | undefined) ?? [])[0]?.['ip'];
    if (typeof lb === 'string') keys.push(this.lbKey(lb));
    await Promise.all(keys.map((k) => this.release(k, owner)));
  }

  private ipKey(ip: string): string {
    return `/registry/allocations/clusterips/${ip}`;
  }
  private portKey(port: number): string {
    return `/registry/allocations/nodeports/${port}`;
  }
  private lbKey(ip: string): string {
    return `/registry/allocations/loadbalancerips/${ip}`;
  }

  /** Frees a key only if this owner holds it: a stale release must not free someone else's. */
  private async release(key: string, owner: string): Promise<void> {
    const cur = await this.storage.get(key);
    if (!cur || cur['owner'] !== owner) return;
    try {
      await this.storage.delete(key, cur.metadata?.resourceVersion);
    } catch (e) {
      if (!isStorageError(e, 'KeyNotFound') && !isStorageError(e, 'Conflict')) throw e;
    }
  }

  /** Claims one of `count` values from `first`: a random start, then a linear probe, as Kubernetes' allocator does. */
  private async pick(first: number, count: number, render: (n: number) => string, key: (v: string) => string, claim: (k: string) => Promise<boolean>): Promise<string> {
    if (count <= 0) return '';
    const start = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const v = render(first + ((start + i) % count));
      if (await claim(key(v))) return v;
    }
    return '';
  }
}
