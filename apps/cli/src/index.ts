// SPDX-License-Identifier: Apache-2.0
export { runCli, buildProgram, type CliDeps, type GlobalOptions } from './commands/program';
export type { CliClient, CommandContext, ConnectionInfo, Output, Terminal } from './commands/context';
export { formatError, CliError, UsageError, ContextError, ExitCodeError } from './commands/errors';
export * from './config/kubeconfig';
export { KubeconfigStore, type KubeconfigFile } from './config/store';
export { connectionFor, grpcClientOptions, impersonationFor, parseServerUrl, parseRequestTimeout } from './config/connection';
export { BASH_SCRIPT, ZSH_SCRIPT, complete } from './completion/completion';
