// SPDX-License-Identifier: Apache-2.0
import { inspect } from 'node:util';

function verbValue(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg instanceof Error) return arg.message;
  if (arg === null || typeof arg !== 'object') return String(arg);
  try {
    return JSON.stringify(arg);
  } catch {
    return inspect(arg, { breakLength: Infinity });
  }
}

/**
 * Go-style printf for event messages (what client-go's Eventf does with fmt.Sprintf):
 * `%s` and `%v` print the value (objects as JSON, errors by message), `%d` an integer,
 * `%f` a float, `%q` a double-quoted string, `%%` a percent sign. Like Go, a missing
 * argument prints `%!s(MISSING)` and surplus ones are appended as `%!(EXTRA …)`.
 */
export function sprintf(format: string, ...args: unknown[]): string {
  let next = 0;
  const out = format.replace(/%([%svdqf])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[next++];
    switch (verb) {
      case 'd': {
        const n = typeof arg === 'bigint' ? arg : Number(arg);
        return typeof n === 'bigint' ? n.toString() : Number.isFinite(n) ? Math.trunc(n).toString() : `%!d(${verbValue(arg)})`;
      }
      case 'f': {
        const n = Number(arg);
        return Number.isFinite(n) ? n.toFixed(6) : `%!f(${verbValue(arg)})`;
      }
      case 'q':
        return JSON.stringify(verbValue(arg));
      default:
        return verbValue(arg);
    }
  });
  if (next < args.length) return `${out}%!(EXTRA ${args.slice(next).map(verbValue).join(', ')})`;
  return out;
}
