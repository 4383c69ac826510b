/** `apple-mdm profiles create|list|delete`. */
import type { Command } from 'commander';
import { addConfigOptions, type CliContext } from '../../context.js';
import { parseTeamId, renderTable, withClient, type ConfigFlags } from './shared.js';

export function registerProfiles(appleMdm: Command, ctx: CliContext): void {
  const profiles = appleMdm.command('profiles').description('Manage configuration profiles (.mobileconfig)');

  addConfigOptions(profiles.command('create'))
    .description("Upload a configuration profile (checked with Fleet's rules first)")
    .requiredOption('--payload <file.mobileconfig>', 'the unsigned XML configuration profile')
    .option('--name <name>', "expected profile name; must equal the profile's PayloadDisplayName")
    .option('--team-id <id>', 'team the profile applies to (default: no team)')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (flags: ConfigFlags & { payload: string; name?: string; teamId?: string }) => {
      const teamId = await parseTeamId(flags.teamId);
      const { checkProfileFile, uploadProfile } = await import('../../../mdm/profile-upload.js');
      // Check the file before touching the network, so a bad profile fails fast even offline.
      await checkProfileFile(flags.payload, flags.name);
      const res = await withClient(ctx, flags, (c) =>
        uploadProfile(c, {
          file: flags.payload,
          ...(flags.name === undefined ? {} : { name: flags.name }),
          ...(teamId === undefined ? {} : { teamId }),
        }),
      );
      const ui = ctx.ui();
      if (flags.json === true) {
        ui.json({ profile_uuid: res.profileUuid, name: res.parsed.displayName, identifier: res.parsed.identifier });
        return;
      }
      ui.success(`Profile "${res.parsed.displayName}" (${res.parsed.identifier}) created, UUID: ${res.profileUuid}`);
    });

  addConfigOptions(profiles.command('list'))
    .description('List configuration profiles')
    .option('--team-id <id>', 'team whose profiles to list (default: no team)')
    .option('--json', 'print the profiles as JSON on stdout')
    .action(async (flags: ConfigFlags & { teamId?: string }) => {
      const teamId = await parseTeamId(flags.teamId);
      const { listProfiles } = await import('../../../fleet-api/profiles.js');
      const list = await withClient(ctx, flags, (c) => listProfiles(c, teamId));
      const ui = ctx.ui();
      if (flags.json === true) {
        ui.json(list);
        return;
      }
      if (list.length === 0) {
        ui.info('No configuration profiles. Add one with: fleetctl apple-mdm profiles create --payload <file.mobileconfig>');
        return;
      }
      ui.out(
        renderTable(
          ['UUID', 'NAME', 'IDENTIFIER', 'TEAM', 'PLATFORM', 'UPDATED'],
          list.map((p) => [p.profile_uuid, p.name, p.identifier, String(p.team_id), p.platform, p.updated_at]),
        ),
      );
    });

  addConfigOptions(profiles.command('delete'))
    .description('Delete a configuration profile')
    .argument('<uuid>', 'profile UUID (see `profiles list`)')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (uuid: string, flags: ConfigFlags) => {
      const { deleteProfile } = await import('../../../fleet-api/profiles.js');
      await withClient(ctx, flags, (c) => deleteProfile(c, uuid));
      const ui = ctx.ui();
      if (flags.json === true) {
        ui.json({ profile_uuid: uuid, deleted: true });
        return;
      }
      ui.success(`Profile ${uuid} deleted`);
    });
}
