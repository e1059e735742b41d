// SPDX-License-Identifier: Apache-2.0
import type { MemoryExecIo } from './memory-runtime';
import type { ContainerInfo } from './runtime';

/**
 * A toy shell for MemoryRuntime's interactiveExec, so tests and hollow nodes can run
 * `kubectl exec` sessions without containers. It knows `cat` (stdin to stdout), `echo ARGS`
 * (`>&2` for stderr), `stty size` (the latest terminal size), `sleep` (until the session
 * is killed), `exit N`, and `sh -c 'A; B'` of those; anything else is "not found", 127.
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
      case 'sleep':
        await new Promise((resolve) => io.signal.addEventListener('abort', resolve, { once: true }));
        return 137;
      default:
        io.stderr(`sh: ${cmd}: not found\n`);
        status = 127;
    }
  }
  return status;
}
