// SPDX-License-Identifier: Apache-2.0
/**
 * IpPool hands out pod IPs from a node's pod CIDR (IPv4): the network and broadcast
 * addresses and the gateway (.1) are never given; released addresses are reused last, so a
 * just-deleted pod's IP is not immediately recycled.
 */
export class IpPool {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private next = 2;

  constructor(readonly cidr: string) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    if (!m) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
    const bits = Number(m[5]);
    if (bits < 8 || bits > 30) throw new Error(`pod CIDR ${cidr}: prefix must be between /8 and /30`);
    const ip = ipToInt(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
    this.size = 2 ** (32 - bits);
    this.base = ip - (ip % this.size);
  }

  /** The gateway address (first usable): the bridge's own IP. */
  gateway(): string {
    return intToIp(this.base + 1);
  }

  /** The prefix length of the CIDR. */
  prefixLength(): number {
    return 32 - Math.log2(this.size);
  }

  /** Marks an address in use (e.g. found on a running sandbox at start-up). */
  reserve(ip: string): void {
    const n = ipToInt(ip) - this.base;
    if (n > 0 && n < this.size) this.used.add(n);
  }

  /** A free address; throws when the range is exhausted. */
  allocate(): string {
    for (let i = 0; i < this.size; i++) {
      const n = ((this.next - 2 + i) % (this.size - 3)) + 2; // 2 .. size-2
      if (!this.used.has(n)) {
        this.used.add(n);
        this.next = n + 1;
        return intToIp(this.base + n);
      }
    }
    throw new Error(`no free pod IP in ${this.cidr}`);
  }

  release(ip: string): void {
    this.used.delete(ipToInt(ip) - this.base);
  }

  inUse(): number {
    return this.used.size;
  }
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
