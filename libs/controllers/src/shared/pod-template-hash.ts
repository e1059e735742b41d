// SPDX-License-Identifier: Apache-2.0

/** The label (and ReplicaSet name suffix) that ties a Deployment's pods to one template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Kubernetes' utilrand alphabet (SafeEncodeString, String): no vowels (no words), no 0/1/3 look-alikes. */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a, 32 bits, over UTF-8 bytes. */
export function fnv32a(data: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(data, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Kubernetes' rand.SafeEncodeString: each character mapped into the safe alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** JSON with object keys sorted, so equal templates always hash the same. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x === undefined ? null : x)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The pod-template-hash of a template, as Kubernetes' ComputeHash: FNV-32a of the template
 * (here its canonical JSON, where Kubernetes hashes Go's %#v dump), plus the collision
 * count when set, written in decimal and safe-encoded. Deterministic: deleting and
 * recreating a Deployment yields the same ReplicaSet names.
 */
export function computePodTemplateHash(template: unknown, collisionCount?: number): string {
  let data = canonicalJson(template ?? {});
  if (collisionCount !== undefined && collisionCount !== null) {
    // Kubernetes writes the count's 4 little-endian bytes after the template.
    const buf = Buffer.alloc(4);
    buf.writeUInt32LE(collisionCount >>> 0);
    data += buf.toString('latin1');
  }
  return safeEncodeString(String(fnv32a(data)));
}
