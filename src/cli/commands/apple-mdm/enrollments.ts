/** `apple-mdm enrollments create|list` and `enrollments dep set-token setup|finalize|list|sync-profiles`. */
import type { Command } from 'commander';
import { addConfigOptions, type CliContext } from '../../context.js';
import { renderTable, withClient, type ConfigFlags } from './shared.js';

function registerCreateList(enrollments: Command, ctx: CliContext): void {
  addConfigOptions(enrollments.command('create'))
    .description('Create an enrollment: DEP (automatic) with --configuration, manual otherwise')
    .requiredOption('--name <name>', 'name of the enrollment')
    .option('--configuration <dep-profile.json>', 'Apple DEP profile JSON; makes this a DEP enrollment')
    .option('--json', 'print the enrollment as JSON on stdout')
    .action(async (flags: ConfigFlags & { name: string; configuration?: string }) => {
      const { createEnrollmentFromFile } = await import('../../../mdm/enrollment-create.js');
      const e = await withClient(ctx, flags, (c) => createEnrollmentFromFile(c, flags.name, flags.configuration));
      const ui = ctx.ui();
      if (flags.json === true) {
        ui.json({ id: e.id, name: e.name, dep_config: e.depConfig, url: e.url });
        return;
      }
      ui.success(`${e.depConfig === null ? 'Manual' : 'Automatic'} enrollment created, URL: ${e.url}, id: ${e.id}`);
    });

  addConfigOptions(enrollments.command('list'))
    .description('List enrollments')
    .option('--json', 'print the enrollments as JSON on stdout')
    .action(async (flags: ConfigFlags) => {
      const { listEnrollments } = await import('../../../fleet-api/enrollments.js');
      const list = await withClient(ctx, flags, (c) => listEnrollments(c));
      const ui = ctx.ui();
      if (flags.json === true) {
        ui.json(list.map((e) => ({ id: e.id, name: e.name, dep_config: e.depConfig, url: e.url })));
        return;
      }
      if (list.length === 0) {
        ui.info('No enrollments. Create one with: fleetctl apple-mdm enrollments create --name <name>');
        return;
      }
      ui.out(
        renderTable(
          ['ID', 'Name', 'URL', 'Type', 'DEP Config'],
          list.map((e) => [
            String(e.id),
            e.name,
            e.url,
            e.depConfig === null ? 'manual' : 'automatic',
            e.depConfig === null ? '' : JSON.stringify(e.depConfig),
          ]),
        ),
      );
    });
}

function registerSetToken(dep: Command, ctx: CliContext): void {
  const setToken = dep.command('set-token').description('Set the DEP (Apple Business Manager) token of a DEP enrollment');

  addConfigOptions(setToken.command('setup'))
    .description('Generate the certificate to upload to Apple Business Manager (the private key stays in the config)')
    .requiredOption('--enrollment <id>', 'id of the DEP enrollment')
    .option('--out-dir <dir>', 'directory for fleet-mdm-apple-dep.pem (default: current directory)')
    .option('--force', 'replace a key already stored for this enrollment')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (flags: ConfigFlags & { enrollment: string; outDir?: string; force?: boolean }) => {
      const { parseEnrollmentId } = await import('../../../mdm/enrollment-check.js');
      const { depSetup } = await import('../../../mdm/dep-setup.js');
      const id = parseEnrollmentId(flags.enrollment);
      const res = await withClient(ctx, flags, (client, g) =>
        depSetup({
          client,
          configPath: g.config,
          context: g.context,
          enrollmentId: id,
          outDir: flags.outDir ?? process.cwd(),
          force: flags.force === true,
        }),
      );
      const ui = ctx.ui();
      if (flags.json === true) {
        ui.json({ enrollment_id: id, certificate: res.certPath, replaced_previous_key: res.replaced });
        return;
      }
      ui.success(`Successfully generated the DEP certificate: ${res.certPath}`);
      ui.info(
        `The private key is kept in the fleetctl config until \`set-token finalize\` uses it${res.replaced ? ' (the previous key was replaced)' : ''}.`,
      );
      ui.info('Next steps:');
      ui.info('  1. In Apple Business Manager (business.apple.com): Preferences → Your MDM Servers → your server → Edit,');
      ui.info(`     upload ${res.certPath} and click "Save".`);
      ui.info('  2. Download the server token (<Server>_Token_<timestamp>_smime.p7m).');
      ui.info(`  3. Run: fleetctl apple-mdm enrollments dep set-token finalize --enrollment ${id} --encrypted-auth-token <token.p7m>`);
    });

  addConfigOptions(setToken.command('finalize'))
    .description('Decrypt the token downloaded from Apple Business Manager and send it to Fleet')
    .requiredOption('--enrollment <id>', 'id of the DEP enrollment')
    .requiredOption('--encrypted-auth-token <file.p7m>', 'the S/MIME token file downloaded from Apple Business Manager')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (flags: ConfigFlags & { enrollment: string; encryptedAuthToken: string }) => {
      const { parseEnrollmentId } = await import('../../../mdm/enrollment-check.js');
      const { depFinalize } = await import('../../../mdm/dep-finalize.js');
      const id = parseEnrollmentId(flags.enrollment);
      const res = await withClient(ctx, flags, (client, g) =>
        depFinalize({ client, configPath: g.config, context: g.context, enrollmentId: id, tokenFile: flags.encryptedAuthToken }),
      );
      const ui = ctx.ui();
      if (flags.json === true) {
        ui.json({ enrollment_id: id, access_token_expiry: res.accessTokenExpiry });
        return;
      }
      ui.success(
        `DEP token set for enrollment ${id} ("${res.enrollment.name}"). The token expires at ${res.accessTokenExpiry || 'an unknown time'}.`,
      );
      ui.info('The private key was removed from the fleetctl config.');
    });
}

function registerDepDevices(dep: Command, ctx: CliContext): void {
  addConfigOptions(dep.command('list'))
    .description('List the DEP devices of an enrollment and their profile status')
    .argument('<enrollment-id>', 'id of the DEP enrollment')
    .option('--json', 'print the devices as JSON on stdout')
    .action(async (rawId: string, flags: ConfigFlags) => {
      const { parseEnrollmentId } = await import('../../../mdm/enrollment-check.js');
      const { listDepDevices } = await import('../../../fleet-api/enrollments.js');
      const id = parseEnrollmentId(rawId);
      const devices = await withClient(ctx, flags, (c) => listDepDevices(c, id));
      const ui = ctx.ui();
      if (flags.json === true) {
        ui.json(devices);
        return;
      }
      if (devices.length === 0) {
        ui.info(`No DEP devices for enrollment ${id}.`);
        return;
      }
      ui.out(
        renderTable(
          [
            'Serial Number',
            'OS',
            'Family',
            'Model',
            'Description',
            'Color',
            'Profile Status',
            'Profile UUID',
            'Profile Assign Time',
            'Profile Push Time',
            'Device Assigned Date',
            'Assigned By',
          ],
          devices.map((d) => [
            d.serial_number,
            d.os,
            d.device_family,
            d.model,
            d.description,
            d.color,
            d.profile_status,
            d.profile_uuid,
            d.profile_assign_time,
            d.profile_push_time,
            d.device_assigned_date,
            d.device_assigned_by,
          ]),
        ),
      );
    });

  addConfigOptions(dep.command('sync-profiles'))
    .description("Assign the enrollment's DEP profile to devices that do not have it yet")
    .argument('<enrollment-id>', 'id of the DEP enrollment')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (rawId: string, flags: ConfigFlags) => {
      const { parseEnrollmentId } = await import('../../../mdm/enrollment-check.js');
      const { syncDepProfiles } = await import('../../../fleet-api/enrollments.js');
      const id = parseEnrollmentId(rawId);
      const res = await withClient(ctx, flags, (c) => syncDepProfiles(c, id));
      const ui = ctx.ui();
      const failed = Object.entries(res.failed);
      if (flags.json === true) {
        ui.json(res);
      } else {
        ui.success(
          `Assigned the DEP profile to ${res.assigned.length} device(s)${res.assigned.length > 0 ? `: ${res.assigned.join(', ')}` : ''}`,
        );
        if (failed.length > 0) {
          ui.out(renderTable(['Serial Number', 'Reason'], failed));
        }
      }
      if (failed.length > 0) {
        const { ApiError } = await import('../../../core/errors.js');
        throw new ApiError('E_DEP_SYNC', `${failed.length} device(s) could not get the DEP profile`);
      }
    });
}

export function registerEnrollments(appleMdm: Command, ctx: CliContext): void {
  const enrollments = appleMdm.command('enrollments').description('Manage manual and DEP (automatic) enrollments');
  registerCreateList(enrollments, ctx);
  const dep = enrollments.command('dep').description('DEP (Apple Business Manager) operations of an enrollment');
  registerSetToken(dep, ctx);
  registerDepDevices(dep, ctx);
}
