/** `POST /login` and `POST /logout`, with Go fleetctl's login error texts. */
import { ApiError, UserError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { FleetClient } from './client.js';
import { obj, str } from './decode.js';
import { errorText, parseFleetErrorBody } from './errors.js';
import type { LoginResult } from './types.js';

export async function login(client: FleetClient, email: string, password: string): Promise<LoginResult> {
  registerSecret(password);
  const res = await client.raw('POST', '/login', { json: { email, password }, auth: false });
  if (res.status === 404) {
    throw new UserError('E_NOT_SETUP', 'The Fleet instance is not set up yet', { hint: 'finish the setup in the Fleet UI first' });
  }
  if (res.status !== 200) {
    const body = parseFleetErrorBody(res.text);
    const text = body === undefined ? res.text.trim().slice(0, 200) : errorText(body);
    throw new ApiError('E_LOGIN', `Login failed: login received status ${res.status} ${text}`.trimEnd(), {
      status: res.status,
      hint: 'using SSO or MFA? Log in to the Fleet UI, copy your API token from "My account" and run: fleetctl config set --token <token>',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.text);
  } catch (e) {
    throw new ApiError('E_DECODE', `decode login response: ${e instanceof Error ? e.message : String(e)}`);
  }
  const o = obj(parsed, 'login response');
  const token = str(o['token']);
  registerSecret(token);
  if (token === '') {
    throw new ApiError('E_DECODE', 'login: the server returned no token');
  }
  const u = o['user'] !== null && typeof o['user'] === 'object' ? (o['user'] as Record<string, unknown>) : {};
  return {
    token,
    user: {
      id: typeof u['id'] === 'number' ? u['id'] : 0,
      email: str(u['email']),
      name: str(u['name']),
      globalRole: typeof u['global_role'] === 'string' ? u['global_role'] : null,
    },
  };
}

export async function logout(client: FleetClient): Promise<void> {
  await client.json('POST', '/logout');
}
