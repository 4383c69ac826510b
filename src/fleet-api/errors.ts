/**
 * Turns a Fleet error response into the message Go fleetctl shows (client/base_client.go):
 * 401 → "unauthenticated, or invalid token", 402 → license, 404 → "<message>: <reason>",
 * anything else → "<VERB> <PATH> received status <code> <message>[: <reason>]".
 * Fleet's error body is `{"message": str, "errors": [{"name": str, "reason": str}], "uuid"?: str}`.
 */
import { ApiError } from '../core/errors.js';

export interface FleetErrorBody {
  readonly message: string;
  readonly errors: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

const MAX_BODY = 200;

function truncate(s: string): string {
  return s.length > MAX_BODY ? `${s.slice(0, MAX_BODY)}…` : s;
}

export function parseFleetErrorBody(text: string): FleetErrorBody | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object') {
      return undefined;
    }
    const o = v as Record<string, unknown>;
    const errors: Array<{ name: string; reason: string }> = [];
    if (Array.isArray(o['errors'])) {
      for (const e of o['errors'] as unknown[]) {
        if (e !== null && typeof e === 'object') {
          const r = e as Record<string, unknown>;
          errors.push({ name: typeof r['name'] === 'string' ? r['name'] : '', reason: typeof r['reason'] === 'string' ? r['reason'] : '' });
        }
      }
    }
    return { message: typeof o['message'] === 'string' ? o['message'] : '', errors };
  } catch {
    return undefined;
  }
}

/** The text Go's client extracts from a body it cannot read as Fleet's error JSON. */
function nonJsonText(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') {
    return 'empty response body';
  }
  if (/^<(!doctype|html)/i.test(trimmed)) {
    return `server returned HTML instead of JSON response, body: ${truncate(trimmed)}`;
  }
  return truncate(trimmed);
}

/** "message: reason" (reason only when present). */
export function errorText(body: FleetErrorBody): string {
  const reason = body.errors[0]?.reason ?? '';
  if (body.message !== '' && reason !== '' && reason !== body.message) {
    return `${body.message}: ${reason}`;
  }
  return body.message !== '' ? body.message : reason;
}

export function fleetApiError(method: string, path: string, status: number, text: string): ApiError {
  const body = parseFleetErrorBody(text);
  if (status === 401) {
    return new ApiError('E_UNAUTHENTICATED', 'unauthenticated, or invalid token', {
      status,
      hint: 'Token invalid or session expired. Please log in with: fleetctl login',
    });
  }
  if (status === 402) {
    return new ApiError('E_LICENSE', 'missing or invalid license', { status, hint: 'this feature needs Fleet Premium' });
  }
  if (status === 404) {
    const t = body === undefined ? '' : errorText(body);
    return new ApiError('E_NOT_FOUND', t !== '' ? t : 'The resource was not found', { status });
  }
  const detail = body === undefined ? nonJsonText(text) : errorText(body);
  const code =
    status === 403 ? 'E_FORBIDDEN' : status === 409 ? 'E_CONFLICT' : status === 422 ? 'E_VALIDATION' : status >= 500 ? 'E_SERVER' : 'E_API';
  const hint = status === 403 ? 'your user lacks the permission for this (Apple MDM needs a global admin)' : undefined;
  return new ApiError(code, `${method} ${path} received status ${status}${detail === '' ? '' : ` ${detail}`}`, {
    status,
    ...(hint === undefined ? {} : { hint }),
  });
}

export function decodeError(method: string, path: string, err: unknown, text: string): ApiError {
  const msg = err instanceof Error ? err.message : String(err);
  return new ApiError('E_DECODE', `decode ${method} ${path} response: ${msg}, body: ${truncate(text)}`);
}
