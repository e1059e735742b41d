// SPDX-License-Identifier: Apache-2.0
import { randomInt } from 'node:crypto';

/** Kubernetes' alphabet for generated suffixes: no vowels (no words), no easily confused characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_NAME_LENGTH = 63;
const RANDOM_LENGTH = 5;

/** A random 5-character suffix as Kubernetes generates it (utilrand.String). */
export function randomSuffix(length = RANDOM_LENGTH): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return s;
}

/** `go-demo-2-` → `go-demo-2-x7k2p`, truncating the base so the name stays ≤ 63 characters. */
export function generateName(base: string): string {
  const max = MAX_NAME_LENGTH - RANDOM_LENGTH;
  return `${base.length > max ? base.slice(0, max) : base}${randomSuffix()}`;
}
