/**
 * Typed errors with stable codes. The CLI's single error handler (src/cli/handle-error.ts) turns them
 * into one line (plus an optional hint) and an exit code; nothing else in the code base prints errors.
 * Messages must never contain secrets: callers pass redacted values only.
 */

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export abstract class FleetctlError extends Error {
  abstract readonly exitCode: number;
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options?.hint;
  }
}

/** Bad input from the user: a flag value, a file, a config entry. */
export class UserError extends FleetctlError {
  readonly exitCode = EXIT_FAILURE;
}

/** Wrong flags or arguments (the same class of error commander reports). */
export class UsageError extends FleetctlError {
  readonly exitCode = EXIT_USAGE;
}

/** A remote server (Fleet API, TUF repository, S3, notary) answered with an error or could not be reached. */
export class ApiError extends FleetctlError {
  readonly exitCode = EXIT_FAILURE;
  readonly status: number | undefined;
  constructor(code: string, message: string, options?: { hint?: string; cause?: unknown; status?: number }) {
    super(code, message, options);
    this.status = options?.status;
  }
}

/** An external tool or resource we depend on is missing or failed. */
export class ToolError extends FleetctlError {
  readonly exitCode = EXIT_FAILURE;
}

/** A broken invariant: a bug in fleetctl itself. */
export class InternalError extends FleetctlError {
  readonly exitCode = EXIT_FAILURE;
}

export function isFleetctlError(e: unknown): e is FleetctlError {
  return e instanceof FleetctlError;
}

/** Node system errors carry a `code` such as ENOENT; this narrows to them without `any`. */
export function errnoCode(e: unknown): string | undefined {
  if (e !== null && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}
