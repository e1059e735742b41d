// SPDX-License-Identifier: Apache-2.0
/**
 * CidrSet hands out fixed-size IPv4 subnets of a cluster CIDR, as Kubernetes'
 * pkg/controller/nodeipam/ipam/cidrset: a bitmap of the subnets, a round-robin cursor so a
 * released subnet is not reused at once unless the range is full, and `occupy` to rebuild
 * the map from what nodes already have.
 */
export class CidrSet {
  readonly clusterCidr: string;
  private readonly base: number;
  private readonly clusterBits: number;
  readonly nodeMaskSize: number;
  private readonly used: Uint8Array;
  private next = 0;
  private allocatedCount = 0;

  /** `clusterCidr` like "10.244.0.0/16"; every allocation is a /nodeMaskSize (default 24). */
  constructor(clusterCidr: string, nodeMaskSize = 24) {
    const parsed = parseIpv4Cidr(clusterCidr);
    if (!parsed) throw new Error(`invalid cluster CIDR ${JSON.stringify(clusterCidr)}: expected an IPv4 CIDR such as 10.244.0.0/16`);
    if (nodeMaskSize < parsed.bits || nodeMaskSize > 32) {
      throw new Error(`node CIDR mask size /${nodeMaskSize} must be between the cluster mask /${parsed.bits} and /32`);
    }
    if (nodeMaskSize - parsed.bits > 16) throw new Error(`cluster CIDR ${clusterCidr} holds too many /${nodeMaskSize} subnets (at most 65536)`);
    this.base = (parsed.ip & maskOf(parsed.bits)) >>> 0;
    this.clusterBits = parsed.bits;
    this.nodeMaskSize = nodeMaskSize;
    this.clusterCidr = `${formatIpv4(this.base)}/${parsed.bits}`;
    this.used = new Uint8Array(2 ** (nodeMaskSize - parsed.bits));
  }

  /** How many subnets the cluster CIDR holds. */
  get size(): number {
    return this.used.length;
  }

  /** How many subnets are in use. */
  get allocated(): number {
    return this.allocatedCount;
  }

  /** The next free subnet (marked used), or undefined when the range is exhausted. */
  allocateNext(): string | undefined {
    if (this.allocatedCount >= this.used.length) return undefined;
    for (let i = 0; i < this.used.length; i++) {
      const candidate = (this.next + i) % this.used.length;
      if (this.used[candidate] === 0) {
        this.used[candidate] = 1;
        this.allocatedCount++;
        this.next = (candidate + 1) % this.used.length;
        return this.cidrAt(candidate);
      }
    }
    return undefined;
  }

  /**
   * Marks a subnet used (a node already has it). Returns false when it is not one of this
   * set's subnets (another range, or another mask size).
   */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    if (this.used[i] === 0) {
      this.used[i] = 1;
      this.allocatedCount++;
    }
    return true;
  }

  /** Frees a subnet; unknown ones are ignored. */
  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i === undefined || this.used[i] === 0) return;
    this.used[i] = 0;
    this.allocatedCount--;
  }

  /** True when the subnet is one of this set's and in use. */
  isUsed(cidr: string): boolean {
    const i = this.indexOf(cidr);
    return i !== undefined && this.used[i] === 1;
  }

  private cidrAt(index: number): string {
    const ip = (this.base + index * 2 ** (32 - this.nodeMaskSize)) >>> 0;
    return `${formatIpv4(ip)}/${this.nodeMaskSize}`;
  }

  private indexOf(cidr: string): number | undefined {
    const p = parseIpv4Cidr(cidr);
    if (!p || p.bits !== this.nodeMaskSize) return undefined;
    if (((p.ip & maskOf(this.clusterBits)) >>> 0) !== this.base) return undefined;
    return Math.floor(((p.ip - this.base) >>> 0) / 2 ** (32 - this.nodeMaskSize));
  }
}

/** Parses "a.b.c.d/n" into a 32-bit unsigned address and a prefix length. */
export function parseIpv4Cidr(cidr: string): { ip: number; bits: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const [a, b, c, d] = octets as [number, number, number, number];
  return { ip: ((a << 24) | (b << 16) | (c << 8) | d) >>> 0, bits };
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function formatIpv4(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}
