// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import { allResources } from '@berth/api';
import type { CommandContext } from '../commands/context';
import { CliError } from '../commands/errors';
import { action, type ContextFactory } from '../commands/program';
import { namespaceFor, resolveType, typeOf } from '../commands/resources';

/** The bash script `completion bash` prints: it asks `berth __complete` for every word. */
export const BASH_SCRIPT = `# bash completion for berth; load with: source <(berth completion bash)
_berth_complete() {
  local IFS=$'\\n'
  local words=("\${COMP_WORDS[@]:1:COMP_CWORD}")
  COMPREPLY=($(berth __complete "\${words[@]}" 2>/dev/null))
}
complete -o default -F _berth_complete berth
`;

/** The zsh script `completion zsh` prints. */
export const ZSH_SCRIPT = `#compdef berth
# zsh completion for berth; load with: source <(berth completion zsh)
_berth() {
  local -a completions
  completions=("\${(@f)$(berth __complete "\${(@)words[2,$CURRENT]}" 2>/dev/null)}")
  compadd -a completions
}
compdef _berth berth
`;

// Verbs whose first argument is a resource type and second a name of that type.
const TYPE_THEN_NAME = new Set(['get', 'describe', 'delete', 'edit', 'label', 'annotate', 'scale', 'expose', 'status', 'history', 'undo', 'pause', 'resume', 'restart', 'explain']);
const POD_VERBS = new Set(['logs', 'exec']);

/** Resource words offered after a verb: plurals and short names. */
export function resourceWords(): string[] {
  const out = new Set<string>();
  for (const r of allResources()) {
    out.add(r.resource);
    for (const s of r.shortNames) out.add(s);
  }
  return [...out].sort();
}

function flagsOf(cmd: Command): string[] {
  const out: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) {
    for (const o of c.options) if (!o.hidden && o.long) out.push(o.long);
  }
  return out.sort();
}

/** Where in the command tree the words lead, and the positional words after it. */
function walk(root: Command, words: string[]): { cmd: Command; positionals: string[]; namespace?: string } {
  let cmd = root;
  const positionals: string[] = [];
  let namespace: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w === '-n' || w === '--namespace') {
      namespace = words[i + 1];
      i++;
      continue;
    }
    if (w.startsWith('--namespace=')) {
      namespace = w.slice('--namespace='.length);
      continue;
    }
    if (w.startsWith('-')) continue;
    const sub = positionals.length === 0 ? cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
    if (sub) cmd = sub;
    else positionals.push(w);
  }
  return { cmd, positionals, ...(namespace ? { namespace } : {}) };
}

/**
 * The candidates for the last word: subcommands, flags, resource types, or (from the
 * server) the names of objects of the type typed before it.
 */
export async function complete(root: Command, ctx: CommandContext | undefined, words: string[]): Promise<string[]> {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const { cmd, positionals, namespace } = walk(root, before);
  const match = (list: string[]): string[] => list.filter((w) => w.startsWith(current));
  if (current.startsWith('-')) return match(flagsOf(cmd));
  if (positionals.length === 0 && cmd.commands.length > 0) {
    return match(cmd.commands.map((c) => c.name()).filter((n) => !n.startsWith('_')));
  }
  const verb = cmd.name();
  const names = async (typeWord: string): Promise<string[]> => {
    if (!ctx) return [];
    const info = resolveType(typeWord);
    const ns = namespace ?? ctx.namespace;
    const list = await ctx.client().list(typeOf(info), { namespace: namespaceFor(info, ns) });
    return match(list.items.map((o) => o.metadata?.name ?? '').filter(Boolean));
  };
  if (TYPE_THEN_NAME.has(verb)) {
    if (positionals.length === 0) return match(resourceWords());
    return names(positionals[0] as string);
  }
  if (POD_VERBS.has(verb) && positionals.length === 0) return names('pods');
  if (cmd.parent?.name() === 'top' && positionals.length === 0) return names(verb === 'node' ? 'nodes' : 'pods');
  if (verb === 'use-context' || verb === 'delete-context' || verb === 'set-context') return [];
  return [];
}

/** Registers `completion bash|zsh` and the hidden `__complete` the scripts call. */
export function registerCompletion(program: Command, ctx: ContextFactory): void {
  action(
    program.command('completion').description('Output shell completion code for bash or zsh (source <(berth completion bash))').argument('[args...]'),
    ctx,
    async (c, args) => {
      const shell = args[0];
      if (shell === 'bash') c.stdout.write(BASH_SCRIPT);
      else if (shell === 'zsh') c.stdout.write(ZSH_SCRIPT);
      else throw new CliError(shell ? `Unsupported shell type "${shell}".` : 'Shell not specified.');
    },
  );
  const hidden = program.command('__complete', { hidden: true }).argument('[args...]').allowUnknownOption().helpOption(false);
  action(hidden, ctx, async (c, args) => {
    let candidates: string[] = [];
    try {
      candidates = await complete(program, c, args.length ? args : ['']);
    } catch {
      // Completion never prints errors into the user's prompt.
    }
    for (const w of candidates) c.stdout.write(`${w}\n`);
  });
}
