/**
 * Builds a FleetClient from a config context with Go fleetctl's checks and messages: unknown
 * context, missing address, plain http to a remote host, missing token.
 */
import { UserError } from '../core/errors.js';
import { requireContext } from '../core/config-ops.js';
import type { FleetContext } from '../core/config.js';
import { FleetClient } from './client.js';

export interface OpenClientOptions {
  readonly configPath: string;
  readonly context: string;
  /** `login` needs no token yet. */
  readonly requireToken?: boolean;
  readonly debug?: (line: string) => void;
}

export function checkAddress(ctx: FleetContext): void {
  if (ctx.address === '') {
    throw new UserError('E_ADDRESS', 'set the Fleet API address with: fleetctl config set --address https://fleet.example.com');
  }
  let u: URL;
  try {
    u = new URL(ctx.address);
  } catch {
    throw new UserError('E_ADDRESS', `invalid Fleet address ${JSON.stringify(ctx.address)}`, {
      hint: 'set it with: fleetctl config set --address https://fleet.example.com',
    });
  }
  const local = u.hostname.includes('localhost') || u.hostname.includes('127.0.0.1');
  if (u.protocol !== 'https:' && !(ctx.tlsSkipVerify || local)) {
    throw new UserError('E_ADDRESS', 'address must start with https:// for remote connections');
  }
}

export async function openFleetClient(opts: OpenClientOptions): Promise<{ client: FleetClient; context: FleetContext }> {
  const ctx = await requireContext(opts.configPath, opts.context);
  checkAddress(ctx);
  if (opts.requireToken !== false && ctx.token === '') {
    throw new UserError('E_NO_TOKEN', 'token config value missing', { hint: 'Token missing. Please log in with: fleetctl login' });
  }
  const client = await FleetClient.create({
    address: ctx.address,
    token: ctx.token,
    urlPrefix: ctx.urlPrefix,
    rootca: ctx.rootca,
    tlsSkipVerify: ctx.tlsSkipVerify,
    customHeaders: ctx.customHeaders,
    ...(opts.debug === undefined ? {} : { debug: opts.debug }),
  });
  return { client, context: ctx };
}
