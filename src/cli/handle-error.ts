/**
 * The one place that turns an error into output and an exit code: one line (plus a hint), no stack
 * trace unless --debug, and "this is a bug" only for errors that are not the user's.
 */
import { CommanderError } from 'commander';
import { EXIT_FAILURE, EXIT_USAGE, InternalError, isFleetctlError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { Ui } from './ui.js';

export function handleError(e: unknown, ui: Ui, debug: boolean): number {
  if (e instanceof CommanderError) {
    // commander already printed its message (unknown option, missing argument, --help, --version).
    return e.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (isFleetctlError(e)) {
    ui.error(redact(e.message), e.hint === undefined ? undefined : redact(e.hint));
    if (e instanceof InternalError) {
      ui.info('This is a bug in fleetctl; please report it with the command you ran.');
    }
    if (debug) {
      ui.debug(redact(e.stack ?? ''));
      if (e.cause !== undefined) {
        ui.debug(`caused by: ${redact(String(e.cause instanceof Error ? (e.cause.stack ?? e.cause.message) : e.cause))}`);
      }
    }
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  ui.error(redact(msg.split('\n')[0] ?? msg));
  ui.info('This is a bug in fleetctl; please report it with the command you ran (add --debug for details).');
  if (debug && e instanceof Error) {
    ui.debug(redact(e.stack ?? ''));
  }
  return EXIT_FAILURE;
}
