/** Hosts and MDM commands: `GET /hosts/{id}`, `POST /commands/run`, `GET /commands`, `GET /commands/results`. */
import type { FleetClient } from './client.js';
import { arr, num, obj, str } from './decode.js';
import type { CommandResult, CommandSummary, Host, RunCommandResult } from './types.js';

export async function getHost(client: FleetClient, id: number): Promise<Host> {
  const res = obj(await client.json('GET', `/hosts/${id}`), 'response');
  const h = obj(res['host'], 'host');
  const mdm = h['mdm'] !== null && typeof h['mdm'] === 'object' ? (h['mdm'] as Record<string, unknown>) : {};
  return {
    id: num(h['id'], 'host.id'),
    uuid: str(h['uuid']),
    hostname: str(h['hostname']),
    platform: str(h['platform']),
    mdm: { enrollmentStatus: str(mdm['enrollment_status']), name: str(mdm['name']) },
  };
}

export async function runCommand(client: FleetClient, commandBase64: string, hostUuids: readonly string[]): Promise<RunCommandResult> {
  const res = obj(await client.json('POST', '/commands/run', { json: { command: commandBase64, host_uuids: hostUuids } }), 'response');
  return {
    commandUuid: str(res['command_uuid']),
    requestType: str(res['request_type']),
    failedUuids: arr(res['failed_uuids'], 'failed_uuids').map(str),
  };
}

function toSummary(v: unknown): CommandSummary {
  const o = obj(v, 'command');
  return {
    host_uuid: str(o['host_uuid']),
    command_uuid: str(o['command_uuid']),
    status: str(o['status']),
    updated_at: str(o['updated_at']),
    request_type: str(o['request_type']),
    hostname: str(o['hostname']),
  };
}

export interface ListCommandsOptions {
  readonly host?: string;
  readonly requestType?: string;
  readonly perPage?: number;
  readonly page?: number;
}

export async function listCommands(client: FleetClient, opts: ListCommandsOptions = {}): Promise<CommandSummary[]> {
  const res = obj(
    await client.json('GET', '/commands', {
      query: {
        page: opts.page ?? 0,
        per_page: opts.perPage ?? 20,
        order_key: 'updated_at',
        order_direction: 'desc',
        host_identifier: opts.host,
        request_type: opts.requestType,
      },
    }),
    'response',
  );
  return arr(res['results'], 'results').map(toSummary);
}

export async function commandResults(client: FleetClient, commandUuid: string): Promise<CommandResult[]> {
  const res = obj(await client.json('GET', '/commands/results', { query: { command_uuid: commandUuid } }), 'response');
  return arr(res['results'], 'results').map((v) => {
    const o = obj(v, 'result');
    return { ...toSummary(o), payload: str(o['payload']), result: str(o['result']) };
  });
}
