/**
 * `commands send`: validate the command plist locally, resolve each Fleet host id to its UUID and
 * check it can take an Apple MDM command (Apple platform, MDM on and managed by Fleet), then enqueue
 * it once for all hosts. Texts follow Fleet's `mdm run-command` where one exists.
 */
import { readFile } from 'node:fs/promises';
import { ApiError, errnoCode, UsageError, UserError } from '../core/errors.js';
import type { FleetClient } from '../fleet-api/client.js';
import { getHost, runCommand } from '../fleet-api/commands.js';
import type { Host, RunCommandResult } from '../fleet-api/types.js';
import { prepareCommand } from './command.js';

export const APPLE_PLATFORMS: readonly string[] = ['darwin', 'ios', 'ipados'];

export function parseHostIds(raw: string): number[] {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) {
    throw new UsageError('E_USAGE', 'No hosts targeted. Provide Fleet host IDs with --target-hosts=1,2,3.');
  }
  const bad = parts.filter((p) => !/^[1-9][0-9]*$/.test(p));
  if (bad.length > 0) {
    throw new UsageError('E_USAGE', `invalid host id(s) in --target-hosts: ${bad.join(', ')} (expected Fleet host IDs such as 1,2,3)`);
  }
  return [...new Set(parts.map(Number))];
}

export interface SendCommandResult extends RunCommandResult {
  readonly hosts: readonly Host[];
}

export async function sendCommand(client: FleetClient, hostIds: readonly number[], commandFile: string): Promise<SendCommandResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(commandFile);
  } catch (e) {
    throw new UserError('E_READ', `read payload: ${commandFile}: ${errnoCode(e) ?? String(e)}`);
  }
  const prepared = prepareCommand(bytes, commandFile);
  const hosts: Host[] = [];
  const missing: number[] = [];
  for (const id of hostIds) {
    try {
      hosts.push(await getHost(client, id));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        missing.push(id);
        continue;
      }
      throw e;
    }
  }
  if (missing.length > 0) {
    throw new UserError(
      'E_HOST',
      `One or more targeted hosts don't exist: ${missing.join(', ')}. Make sure you provide valid Fleet host IDs.`,
    );
  }
  const notApple = hosts.filter((h) => !APPLE_PLATFORMS.includes(h.platform));
  if (notApple.length > 0) {
    throw new UserError(
      'E_HOST',
      `Can't run an Apple MDM command on non-Apple hosts: ${notApple.map((h) => `${h.id} (${h.platform || 'unknown platform'})`).join(', ')}.`,
    );
  }
  const mdmOff = hosts.filter((h) => !h.mdm.enrollmentStatus.startsWith('On') || h.mdm.name !== 'Fleet');
  if (mdmOff.length > 0) {
    throw new UserError(
      'E_HOST',
      `Can't run the MDM command because one or more hosts have MDM turned off: ${mdmOff.map((h) => h.id).join(', ')}. Run the following command to see a list of hosts with MDM on: fleetctl get hosts --mdm.`,
    );
  }
  const res = await runCommand(
    client,
    prepared.base64,
    hosts.map((h) => h.uuid),
  );
  return { ...res, requestType: res.requestType || prepared.requestType, commandUuid: res.commandUuid || prepared.commandUuid, hosts };
}
