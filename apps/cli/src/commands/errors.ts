// SPDX-License-Identifier: Apache-2.0
import { StatusError } from '@berth/api';

/** A client-side failure, printed as kubectl prints them: `error: <message>`. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** A failure already reported to the user (a script's own error line): exit 1, print nothing. */
export class SilentError extends CliError {
  constructor() {
    super('');
    this.name = 'SilentError';
  }
}

/**
 * A remote command (exec) that ended with a non-zero exit code: berth prints kubectl's
 * `command terminated with exit code N` and exits with N.
 */
export class ExitCodeError extends CliError {
  constructor(readonly exitCode: number) {
    super(`command terminated with exit code ${exitCode}`);
    this.name = 'ExitCodeError';
  }
}

/**
 * A mistake in how the command was typed (missing argument, unknown flag). kubectl
 * follows the message with a pointer to the command's help.
 */
export class UsageError extends CliError {
  /** The command path for the hint, e.g. "berth get". */
  readonly commandPath: string;
  /** The hint wording: kubectl says "for usage." after flag errors and "for help and examples" otherwise. */
  readonly hint: 'usage' | 'examples';

  constructor(message: string, commandPath: string, hint: 'usage' | 'examples' = 'examples') {
    super(message);
    this.name = 'UsageError';
    this.commandPath = commandPath;
    this.hint = hint;
  }
}

/**
 * A server error met while handling one input, with kubectl's context prefix:
 * `error when creating "pod/db.yml": pods "db" already exists`.
 */
export class ContextError extends Error {
  override readonly cause: unknown;
  readonly context: string;

  constructor(context: string, cause: unknown) {
    super(`${context}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ContextError';
    this.context = context;
    this.cause = cause;
  }
}

// Connection failures carry the whole sentence kubectl prints, without a reason prefix.
const CONNECTION_MESSAGE = /^(The connection to the server |Unable to connect to the server )/;

/**
 * The text kubectl prints for an error (cmdutil.CheckErr / StandardErrorMessage), ending
 * in a newline; never a stack trace:
 * - StatusErrors: `Error from server (NotFound): pods "x" not found`;
 * - Invalid: `The Deployment "x" is invalid: spec.replicas: Invalid value: ...`, several
 *   causes as a `* ` list;
 * - connection failures: `The connection to the server 127.0.0.1:6443 was refused - ...`;
 * - Unauthorized: `error: You must be logged in to the server (...)`;
 * - client-side errors: `error: ...` (plus `See 'berth get --help' for usage.` for usage errors);
 * - a remote command's exit code: `command terminated with exit code 3`.
 */
export function formatError(err: unknown): string {
  if (err instanceof ContextError) {
    if (err.cause instanceof StatusError) return formatStatusError(err.cause, err.context);
    return formatError(err.cause instanceof Error ? new CliError(`${err.context}: ${err.cause.message}`) : err.cause);
  }
  if (err instanceof StatusError) return formatStatusError(err);
  if (err instanceof SilentError) return '';
  if (err instanceof ExitCodeError) return `${err.message}\n`;
  if (err instanceof UsageError) {
    const hint =
      err.hint === 'usage' ? `See '${err.commandPath} --help' for usage.` : `See '${err.commandPath} -h' for help and examples`;
    return `error: ${err.message}\n${hint}\n`;
  }
  if (err instanceof Error) return `error: ${err.message}\n`;
  return `error: ${String(err)}\n`;
}

function formatStatusError(err: StatusError, context?: string): string {
  const status = err.status;
  const message = status.message ?? err.message;
  const withContext = context ? `${context}: ${message}` : message;
  if (status.reason === 'Invalid') return formatInvalid(err, withContext);
  if (status.reason === 'Unauthorized') return `error: You must be logged in to the server (${message})\n`;
  if (CONNECTION_MESSAGE.test(message)) return `${message}\n`;
  if (status.reason) return `Error from server (${status.reason}): ${withContext}\n`;
  return `Error from server: ${withContext}\n`;
}

function formatInvalid(err: StatusError, message: string): string {
  const details = err.status.details;
  if (!details) return `The request is invalid: ${message}\n`;
  let head = 'The request is invalid';
  if (details.kind || details.name) head = `The ${details.kind ?? ''} "${details.name ?? ''}" is invalid`;
  else if (message) head += `: ${message}`;
  const causes = (details.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message ?? ''}` : (c.message ?? '')));
  if (causes.length === 0) return `${head}\n`;
  if (causes.length === 1) return `${head}: ${causes[0]}\n`;
  return `${head}: \n${causes.map((c) => `* ${c}\n`).join('')}`;
}
