/** `apple-mdm commands send|list|results`. */
import type { Command } from 'commander';
import { addConfigOptions, type CliContext } from '../../context.js';
import { renderTable, withClient, type ConfigFlags } from './shared.js';

const NOT_FOUND =
  "The command doesn't exist. Please provide a valid command UUID. To see a list of commands that were run, run `fleetctl apple-mdm commands list`.";

function decodeB64(s: string): string {
  return s === '' ? '' : Buffer.from(s, 'base64').toString('utf8');
}

export function registerCommands(appleMdm: Command, ctx: CliContext): void {
  const commands = appleMdm.command('commands').description('Send MDM commands to Apple hosts and read their results');

  addConfigOptions(commands.command('send'))
    .description('Send an MDM command (a plist file) to hosts')
    .requiredOption('--target-hosts <ids>', 'comma-separated Fleet host IDs, e.g. 1,2,3')
    .requiredOption(
      '--command <file.plist>',
      'the MDM command as an XML or binary plist (Command.RequestType required; CommandUUID is set for you)',
    )
    .option('--json', 'print the result as JSON on stdout')
    .action(async (flags: ConfigFlags & { targetHosts: string; command: string }) => {
      const { parseHostIds, sendCommand } = await import('../../../mdm/send-command.js');
      const ids = parseHostIds(flags.targetHosts);
      const res = await withClient(ctx, flags, (c) => sendCommand(c, ids, flags.command));
      const ui = ctx.ui();
      if (flags.json === true) {
        ui.json({
          command_uuid: res.commandUuid,
          request_type: res.requestType,
          host_uuids: res.hosts.map((h) => h.uuid),
          failed_uuids: res.failedUuids,
        });
        return;
      }
      ui.out(`Command UUID: ${res.commandUuid}`);
      ui.success(
        `${res.requestType} enqueued for ${res.hosts.length} host(s). Hosts will run the command the next time they check into Fleet.`,
      );
      if (res.failedUuids.length > 0) {
        ui.warn(`Fleet could not push the command to: ${res.failedUuids.join(', ')} (they will get it at their next check-in)`);
      }
      ui.info(`Use \`fleetctl apple-mdm commands results --command-uuid ${res.commandUuid}\` to get results.`);
    });

  addConfigOptions(commands.command('list'))
    .description('List the most recent MDM commands and their status')
    .option('--host <identifier>', 'only commands for this host (hostname, UUID or serial)')
    .option('--request-type <type>', 'only commands of this RequestType, e.g. DeviceLock')
    .option('--per-page <n>', 'how many commands to show', '20')
    .option('--json', 'print the commands as JSON on stdout')
    .action(async (flags: ConfigFlags & { host?: string; requestType?: string; perPage: string }) => {
      const { listCommands } = await import('../../../fleet-api/commands.js');
      const perPage = Number(flags.perPage);
      if (!Number.isInteger(perPage) || perPage < 1) {
        const { UsageError } = await import('../../../core/errors.js');
        throw new UsageError('E_USAGE', `invalid --per-page ${JSON.stringify(flags.perPage)}: expected a positive number`);
      }
      const list = await withClient(ctx, flags, (c) =>
        listCommands(c, {
          perPage,
          ...(flags.host === undefined ? {} : { host: flags.host }),
          ...(flags.requestType === undefined ? {} : { requestType: flags.requestType }),
        }),
      );
      const ui = ctx.ui();
      if (flags.json === true) {
        ui.json(list);
        return;
      }
      if (list.length === 0) {
        ui.info(
          flags.host === undefined && flags.requestType === undefined
            ? "You haven't run any MDM commands. Run MDM commands with the `fleetctl apple-mdm commands send` command."
            : 'No MDM commands match the filters.',
        );
        return;
      }
      ui.info(`\nThe list of ${list.length} most recent commands:\n`);
      ui.out(
        renderTable(
          ['UUID', 'TIME', 'TYPE', 'STATUS', 'HOSTNAME'],
          list.map((r) => [r.command_uuid, r.updated_at, r.request_type || 'InstallProfile', r.status, r.hostname]),
        ),
      );
    });

  addConfigOptions(commands.command('results'))
    .description('Show the results of an MDM command')
    .requiredOption('--command-uuid <uuid>', 'UUID printed by `commands send`')
    .option('--json', 'print the results as JSON on stdout (payload and result decoded)')
    .action(async (flags: ConfigFlags & { commandUuid: string }) => {
      const { commandResults } = await import('../../../fleet-api/commands.js');
      const { ApiError } = await import('../../../core/errors.js');
      const list = await withClient(ctx, flags, async (c) => {
        try {
          return await commandResults(c, flags.commandUuid);
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) {
            throw new ApiError('E_NOT_FOUND', NOT_FOUND, { status: 404 });
          }
          throw e;
        }
      });
      const ui = ctx.ui();
      if (flags.json === true) {
        ui.json(list.map((r) => ({ ...r, payload: decodeB64(r.payload), result: decodeB64(r.result) })));
        return;
      }
      if (list.length === 0) {
        ui.info('No results yet: the hosts have not checked in since the command was sent.');
        return;
      }
      ui.out(
        renderTable(
          ['HOST UUID', 'TIME', 'TYPE', 'STATUS', 'HOSTNAME'],
          list.map((r) => [r.host_uuid, r.updated_at, r.request_type, r.status, r.hostname]),
        ),
      );
      for (const r of list) {
        const xml = decodeB64(r.result).trim();
        if (xml !== '') {
          ui.out(`\n# ${r.hostname || r.host_uuid} (${r.status})\n${xml}`);
        }
      }
    });
}
