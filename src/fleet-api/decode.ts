/**
 * Light runtime checks on Fleet's JSON answers: enough to give a clear error when a server (or a
 * proxy in front of it) answers with something else, without a schema library.
 */
import { ApiError } from '../core/errors.js';

export type Json = Record<string, unknown>;

export function shapeError(what: string): ApiError {
  return new ApiError('E_DECODE', `unexpected response from the Fleet server: ${what}`);
}

export function obj(v: unknown, what: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw shapeError(`${what} is not an object`);
  }
  return v as Json;
}

export function arr(v: unknown, what: string): unknown[] {
  if (v === null || v === undefined) {
    return [];
  }
  if (!Array.isArray(v)) {
    throw shapeError(`${what} is not a list`);
  }
  return v as unknown[];
}

export function str(v: unknown): string {
  if (v === null || v === undefined) {
    return '';
  }
  return typeof v === 'string' ? v : String(v);
}

export function num(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) {
    return v;
  }
  throw shapeError(`${what} is not a number`);
}
