// SPDX-License-Identifier: Apache-2.0
// The berth command: wires the process (argv, stdio, environment, editor) to runCli.
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import type { Output, Terminal } from './commands/context';
import { runCli } from './commands/program';
import { pushQueue } from './commands/push-queue';

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function runEditor(file: string, env: Record<string, string | undefined>): Promise<void> {
  const editor = env['KUBE_EDITOR'] || env['EDITOR'] || 'vi';
  return new Promise((resolve, reject) => {
    // Through the shell, as kubectl does, so KUBE_EDITOR="code --wait" works.
    const child = spawn(`${editor} "${file.replace(/"/g, '\\"')}"`, { shell: true, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the editor "${editor}" exited with code ${code ?? 'null'}`))));
  });
}

/** Standard input as it arrives, until end-of-file or `signal`; reading stops afterwards. */
async function* stdinChunks(signal: AbortSignal): AsyncIterable<Uint8Array> {
  const stdin = process.stdin;
  const q = pushQueue<Buffer>();
  const onData = (d: Buffer): void => q.push(d);
  const onEnd = (): void => q.end();
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.once('error', onEnd);
  signal.addEventListener('abort', onEnd, { once: true });
  try {
    yield* q.values;
  } finally {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.off('error', onEnd);
    signal.removeEventListener('abort', onEnd);
    stdin.pause();
  }
}

/** The process's terminal, for exec -i/-t. */
const terminal: Terminal = {
  stdinIsTerminal: Boolean(process.stdin.isTTY),
  input: stdinChunks,
  makeRaw: () => {
    if (!process.stdin.isTTY) return () => {};
    process.stdin.setRawMode(true);
    const restore = (): void => {
      process.off('exit', restore);
      if (process.stdin.isRaw) process.stdin.setRawMode(false);
    };
    // Also when something exits the process before the session's end restores it.
    process.on('exit', restore);
    return restore;
  },
  size: () => (process.stdout.isTTY ? { cols: process.stdout.columns, rows: process.stdout.rows } : undefined),
  onResize: (fn) => {
    process.on('SIGWINCH', fn);
    return () => void process.off('SIGWINCH', fn);
  },
};

const write = (stream: NodeJS.WriteStream): Output => ({
  write: (s: string) => void stream.write(s),
  writeBytes: (data: Uint8Array) => void stream.write(data),
});

const code = await runCli(process.argv.slice(2), {
  stdout: write(process.stdout),
  stderr: write(process.stderr),
  readStdin,
  terminal,
  env: process.env,
  cwd: process.cwd(),
  home: process.env['HOME'] || homedir(),
  runEditor,
}).catch((err: unknown) => {
  // runCli prints every error itself; this is the last guard against a stack trace.
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
});
// Let stdout drain (a pipe may be slow) before leaving with the code.
process.stdout.write('', () => process.exit(code));
