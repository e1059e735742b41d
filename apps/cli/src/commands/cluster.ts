// SPDX-License-Identifier: Apache-2.0
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError, SilentError, UsageError } from './errors';
import { action, type ContextFactory } from './program';
import { REPO_ROOT } from '../repo-root';

/** The local cluster's machinery: a shell script, since it is all ip, nsenter and docker. */
const SCRIPT = join(REPO_ROOT, 'deploy/local/cluster.sh');

const SUBCOMMANDS = ['up', 'down', 'status'];

/**
 * `berth cluster up [--nodes N] | down [--purge] | status`: a multi-node cluster on this
 * machine (deploy/local/cluster.sh). The script's output is the user's; its exit code ours.
 */
export function registerCluster(program: Command, ctx: ContextFactory): void {
  const cmd = program
    .command('cluster')
    .description('Bring a local multi-node cluster up, down, or show its status (up [--nodes N] | down [--purge] | status)')
    .argument('[args...]')
    .allowUnknownOption()
    .helpOption(false);
  action(cmd, ctx, async (c, args) => {
    const sub = args[0];
    if (!sub || !SUBCOMMANDS.includes(sub)) throw new UsageError(`unknown cluster command "${sub ?? ''}": want one of ${SUBCOMMANDS.join(', ')}`, 'berth cluster');
    if (!existsSync(SCRIPT)) throw new CliError(`berth cluster needs the Berth source tree: ${SCRIPT} is missing`);
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('bash', [SCRIPT, ...args], { stdio: ['inherit', 'pipe', 'pipe'], env: { ...process.env, ...c.env } });
      child.stdout.on('data', (d: Buffer) => c.stdout.write(d.toString()));
      child.stderr.on('data', (d: Buffer) => c.stderr.write(d.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve(status ?? 1));
    });
    if (code !== 0) throw new SilentError();
  });
}
