// SPDX-License-Identifier: Apache-2.0
import type { MemoryExecIo } from './memory-runtime';
import type { ContainerInfo } from './runtime';

/**
 * A toy shell for MemoryRuntime's interactiveExec, so tests and hollow nodes can run
 * `kubectl exec` sessions without containers. It knows `cat` (stdin to stdout), `echo ARGS`
 * (`>&2` for stderr), `stty size` (the latest terminal size), `sleep [N]` (N seconds, or
 * until the session is killed; a killed session exits 137), `exit N`, and `sh -c 'A; B'` of
 * those; anything else is "not found", 127.
 */
export async function toyExec(_container: ContainerInfo, command: string[], io: MemoryExecIo): Promise<number> {
  const lines = command[0] === 'sh' && command[1] === '-c' ? (command[2] ?? '').split(';') : [command.join(' ')];
  let status = 0;
  for (const line of lines) {
    const words = line.trim().split(/\s+/).filter(Boolean).map((w) => w.replace(/^'(.*)'$|^"(.*)"$/, '$1$2'));
    const [cmd, ...args] = words;
    if (!cmd) continue;
    switch (cmd) {
      case 'exit':
        return Number(args[0] ?? status);
      case 'echo': {
        const toStderr = args.at(-1) === '>&2';
        const text = `${(toStderr ? args.slice(0, -1) : args).join(' ')}\n`;
        if (toStderr) io.stderr(text);
        else io.stdout(text);
        status = 0;
        break;
      }
      case 'cat':
        for await (const data of io.stdin) io.stdout(data);
        status = 0;
        break;
      case 'stty': {
        const size = io.sizes.at(-1) ?? { cols: 0, rows: 0 };
        if (!io.tty) {
          io.stderr('stty: standard input: Not a tty\n');
          status = 1;
        } else {
          io.stdout(`${size.rows} ${size.cols}\n`);
          status = 0;
        }
        break;
      }
      case 'sleep': {
        const seconds = args[0] === undefined ? Infinity : Number(args[0]);
        if (!(await sleepUnlessKilled(seconds * 1000, io.signal))) return 137;
        status = 0;
        break;
      }
      default:
        io.stderr(`sh: ${cmd}: not found\n`);
        status = 127;
    }
  }
  return status;
}

/** Resolves true after ms (never, for Infinity), false as soon as the session is killed. */
function sleepUnlessKilled(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(() => resolve(true), Math.max(0, ms)) : undefined;
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve(false)), { once: true });
  });
}
