// SPDX-License-Identifier: Apache-2.0
// The berth command: wires the process (argv, stdio, environment, editor) to runCli.
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { runCli } from './commands/program';

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

const write = (stream: NodeJS.WriteStream) => ({ write: (s: string) => void stream.write(s) });

const code = await runCli(process.argv.slice(2), {
  stdout: write(process.stdout),
  stderr: write(process.stderr),
  readStdin,
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
