// SPDX-License-Identifier: Apache-2.0

/**
 * Compiles a component's configuration from its flags, or ends the process with exit code
 * 2 and one line on stderr naming the bad flag (what every component's main does).
 */
export function configOrExit<T>(compile: () => T, configError: abstract new (...args: never[]) => Error): T {
  try {
    return compile();
  } catch (e) {
    if (e instanceof configError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exit(2);
    }
    throw e;
  }
}
