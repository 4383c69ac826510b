/**
 * `config set` / `config get` as Go fleetctl does them: same keys, same messages. The messages are
 * returned, not printed, so the CLI decides where they go.
 */
import { UsageError, UserError } from './errors.js';
import {
  contextValue,
  formatGoValue,
  isContextKey,
  parseCustomHeaders,
  CONTEXT_KEYS,
  type ContextKey,
  type ContextValue,
  type FleetContext,
} from './config.js';
import { loadConfig, updateConfig } from './config-store.js';

export interface ConfigSetInput {
  readonly address?: string;
  readonly email?: string;
  readonly token?: string;
  readonly tlsSkipVerify?: boolean;
  readonly rootca?: string;
  readonly urlPrefix?: string;
  readonly customHeaders?: readonly string[];
}

export function contextNotFoundMessage(context: string): string {
  return `[+] Context "${context}" not found, creating it with default values`;
}

function q(s: string): string {
  // Go's %q: a double-quoted string with escapes; JSON's escaping matches it for printable text.
  return JSON.stringify(s);
}

/** Applies every given option in one locked write; returns the lines Go fleetctl prints. */
export async function configSet(path: string, context: string, input: ConfigSetInput): Promise<string[]> {
  const lines: string[] = [];
  const changes: Array<[ContextKey, ContextValue, string]> = [];
  if (input.address !== undefined && input.address !== '') {
    changes.push(['address', input.address, q(input.address)]);
  }
  if (input.email !== undefined && input.email !== '') {
    changes.push(['email', input.email, q(input.email)]);
  }
  if (input.token !== undefined && input.token !== '') {
    // The token is never echoed: the command may run where output is logged.
    changes.push(['token', input.token, '"<redacted>"']);
  }
  if (input.tlsSkipVerify === true) {
    changes.push(['tls-skip-verify', true, '"true"']);
  }
  if (input.rootca !== undefined && input.rootca !== '') {
    changes.push(['rootca', input.rootca, q(input.rootca)]);
  }
  if (input.urlPrefix !== undefined && input.urlPrefix !== '') {
    changes.push(['url-prefix', input.urlPrefix, q(input.urlPrefix)]);
  }
  if (input.customHeaders !== undefined && input.customHeaders.length > 0) {
    changes.push(['custom-headers', parseCustomHeaders(input.customHeaders), `[${input.customHeaders.join(' ')}]`]);
  }
  if (changes.length === 0) {
    throw new UsageError(
      'E_USAGE',
      'nothing to set: give at least one of --address, --email, --token, --tls-skip-verify, --rootca, --url-prefix, --custom-header',
      {
        hint: 'run `fleetctl config set --help`',
      },
    );
  }
  await updateConfig(path, (cfg) => {
    if (cfg.ensureContext(context)) {
      lines.push(contextNotFoundMessage(context));
    }
    for (const [key, value, shown] of changes) {
      cfg.set(context, key, value);
      lines.push(`[+] Set the ${key} config key to ${shown} in the "${context}" context`);
    }
  });
  return lines;
}

export interface ConfigGetResult {
  /** Notices printed before the value (Go prints the context-not-found line here too). */
  readonly notices: string[];
  readonly value: ContextValue;
  /** `  <ctx>.<key> => <value>` */
  readonly line: string;
}

/** Reads one key; a missing context reads as defaults (nothing is written). */
export async function configGet(path: string, context: string, key: string, opts: { reveal?: boolean } = {}): Promise<ConfigGetResult> {
  if (!isContextKey(key)) {
    throw new UsageError('E_USAGE', `${JSON.stringify(key)} is an invalid key`, { hint: `valid keys: ${CONTEXT_KEYS.join(', ')}` });
  }
  const cfg = await loadConfig(path);
  const notices: string[] = [];
  let ctx = cfg.context(context);
  if (ctx === undefined) {
    notices.push(contextNotFoundMessage(context));
    ctx = { address: '', email: '', token: '', tlsSkipVerify: false, rootca: '', urlPrefix: '', customHeaders: null };
  }
  const value = contextValue(ctx, key);
  const shown = key === 'token' && !opts.reveal && value !== '' ? '<redacted>' : formatGoValue(value);
  return { notices, value, line: `  ${context}.${key} => ${shown}` };
}

/** Reads a context for commands that need one; an unknown context is an error (as in Go fleetctl). */
export async function requireContext(path: string, context: string): Promise<FleetContext> {
  const cfg = await loadConfig(path);
  const ctx = cfg.context(context);
  if (ctx === undefined) {
    throw new UserError('E_CONTEXT', `context "${context}" is not found`, {
      hint: `create it with: fleetctl config set --context ${context} --address https://fleet.example.com`,
    });
  }
  return ctx;
}
