// SPDX-License-Identifier: Apache-2.0
import pino, { type Logger as PinoLogger } from 'pino';

/** The logger every component uses: pino JSON lines carrying `component`. */
export type Logger = PinoLogger;

/**
 * A root logger for a component. The level comes from BERTH_LOG_LEVEL (default info);
 * tests can pass `silent`. Logs go to stderr so stdout stays free for command output.
 */
export function createLogger(component: string, level = process.env['BERTH_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}

/** A logger that drops everything, for tests and libraries used quietly. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
