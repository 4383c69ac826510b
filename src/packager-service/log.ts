/**
 * Structured logs: one JSON object per line on stderr, so a log shipper can index them without a
 * parser. Every line passes through redact() (registered secrets and secret-shaped patterns), and
 * callers never pass request arguments in the first place; package ids appear shortened.
 */
import { redact } from '../core/redact.js';

export type LogLevel = 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(stream: NodeJS.WritableStream = process.stderr, now: () => Date = () => new Date()): Logger {
  return (level, msg, fields = {}) => {
    stream.write(`${redact(JSON.stringify({ time: now().toISOString(), level, msg, ...fields }))}\n`);
  };
}

export const silentLogger: Logger = () => {};
