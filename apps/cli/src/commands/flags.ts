// SPDX-License-Identifier: Apache-2.0
import { Option, type Command } from 'commander';
import { CliError } from './errors';

/** Options as commander hands them to actions. */
export type Opts = Record<string, unknown>;

/** Repeatable string flag (-f a -f b, --from-literal ...). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * A boolean flag that also takes kubectl's `--flag=true|false` form: commander knows only
 * `--flag` / `--no-flag`, so normalizeBooleanArgs rewrites the `=` forms and a hidden
 * `--no-flag` is declared here.
 */
export function boolFlag(cmd: Command, flags: string, description: string, defaultValue?: boolean): Command {
  const opt = new Option(flags, description);
  if (defaultValue !== undefined) opt.default(defaultValue);
  cmd.addOption(opt);
  const long = opt.long;
  if (long) cmd.addOption(new Option(`--no-${long.slice(2)}`).hideHelp());
  return cmd;
}

/** Rewrites `--flag=true` → `--flag` and `--flag=false` → `--no-flag` for the flags that are booleans. */
export function normalizeBooleanArgs(argv: string[], booleans: Set<string>): string[] {
  const out: string[] = [];
  let passthrough = false;
  for (const arg of argv) {
    if (passthrough || arg === '--') {
      passthrough = true;
      out.push(arg);
      continue;
    }
    const m = /^--([a-z0-9-]+)=(true|false|TRUE|FALSE|True|False|1|0|t|f)$/.exec(arg);
    if (m && booleans.has(m[1] as string)) {
      const on = /^(true|1|t)$/i.test(m[2] as string);
      out.push(on ? `--${m[1]}` : `--no-${m[1]}`);
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** The long names of every boolean flag declared in a command tree. */
export function booleanFlagNames(root: Command): Set<string> {
  const names = new Set<string>();
  const visit = (c: Command): void => {
    for (const o of c.options) {
      if (!o.required && !o.optional && o.long && !o.negate) names.add(o.long.slice(2));
    }
    c.commands.forEach(visit);
  };
  visit(root);
  return names;
}

/** An integer flag value, with kubectl's error for anything else. */
export function intFlag(value: unknown, flag: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value);
  if (!/^-?\d+$/.test(s)) throw new CliError(`invalid argument "${s}" for "--${flag}" flag: strconv.ParseInt: parsing "${s}": invalid syntax`);
  return Number(s);
}

/** `--dry-run[=client|server|none]`: kubectl's values; bare or true means client. */
export function dryRunMode(value: unknown): 'none' | 'client' | 'server' {
  if (value === undefined || value === false || value === 'none' || value === 'false') return 'none';
  if (value === true || value === 'client' || value === 'true' || value === 'unchanged') return 'client';
  if (value === 'server') return 'server';
  throw new CliError(`Invalid dry-run value (${String(value)}). Must be "none", "server", or "client".`);
}

/** `--validate`: strict (default), warn, ignore, and the old true/false. Returns the API's fieldValidation. */
export function fieldValidation(value: unknown): 'Strict' | 'Warn' | 'Ignore' {
  if (value === undefined || value === true || value === 'true' || value === 'strict') return 'Strict';
  if (value === 'warn') return 'Warn';
  if (value === false || value === 'false' || value === 'ignore') return 'Ignore';
  throw new CliError(`invalid - validate option "${String(value)}"; must be one of: strict (or true), warn, ignore (or false)`);
}
