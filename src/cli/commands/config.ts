/**
 * `fleetctl config set|get`: Go fleetctl's keys, flags, environment variables and messages. The file
 * work happens in src/core/config-ops.ts, loaded lazily.
 */
import type { Command } from 'commander';
import { addConfigOptions, resolveConfigOptions, type CliContext, type CommandModule } from '../context.js';

interface SetFlags {
  config?: string;
  context?: string;
  address?: string;
  email?: string;
  token?: string;
  tlsSkipVerify?: boolean;
  rootca?: string;
  urlPrefix?: string;
  customHeader?: string[];
}

const collect = (value: string, prev: string[] | undefined): string[] => [...(prev ?? []), value];

/** Go's strconv.ParseBool, used for the INSECURE variable. */
function envBool(v: string | undefined): boolean {
  return v !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

function envStr(ctx: CliContext, name: string): string | undefined {
  const v = ctx.env[name];
  return v === undefined || v === '' ? undefined : v;
}

function registerSet(config: Command, ctx: CliContext): void {
  addConfigOptions(config.command('set'))
    .description('Set config options')
    .usage('[options]')
    .option('--address <address>', 'address of the Fleet server (env ADDRESS)')
    .option('--email <email>', 'email to use when connecting to the Fleet server (env EMAIL)')
    .option('--token <token>', 'Fleet API token (env TOKEN)')
    .option('--tls-skip-verify', 'skip TLS certificate validation (env INSECURE)')
    .option('--rootca <path>', 'RootCA chain used to communicate with Fleet (env ROOTCA)')
    .option('--url-prefix <prefix>', 'URL prefix to use with the Fleet server (copy from server configuration) (env URL_PREFIX)')
    .option(
      '--custom-header <Header:Value>',
      'custom header set on every request to the Fleet server; repeat for several; replaces existing custom headers (env CUSTOM_HEADER=Header:Value,Header:Value)',
      collect,
    )
    .action(async (flags: SetFlags) => {
      const g = resolveConfigOptions(ctx, flags);
      const { configSet } = await import('../../core/config-ops.js');
      const envHeaders = envStr(ctx, 'CUSTOM_HEADER')?.split(',');
      const lines = await configSet(g.config, g.context, {
        address: flags.address ?? envStr(ctx, 'ADDRESS'),
        email: flags.email ?? envStr(ctx, 'EMAIL'),
        token: flags.token ?? envStr(ctx, 'TOKEN'),
        tlsSkipVerify: flags.tlsSkipVerify === true || envBool(ctx.env['INSECURE']),
        rootca: flags.rootca ?? envStr(ctx, 'ROOTCA'),
        urlPrefix: flags.urlPrefix ?? envStr(ctx, 'URL_PREFIX'),
        customHeaders: flags.customHeader ?? envHeaders,
      });
      for (const line of lines) {
        ctx.ui().success(line);
      }
    });
}

function registerGet(config: Command, ctx: CliContext): void {
  addConfigOptions(config.command('get'))
    .description('Get a config option')
    .argument('<key>', 'address, email, token, tls-skip-verify, rootca, url-prefix or custom-headers')
    .option('--reveal', 'print the token instead of <redacted>')
    .option('--json', 'print {context, key, value} as JSON on stdout')
    .action(async (key: string, flags: { config?: string; context?: string; reveal?: boolean; json?: boolean }) => {
      const g = resolveConfigOptions(ctx, flags);
      const { configGet } = await import('../../core/config-ops.js');
      const res = await configGet(g.config, g.context, key, { reveal: flags.reveal === true });
      const ui = ctx.ui();
      for (const n of res.notices) {
        ui.info(n);
      }
      if (flags.json === true) {
        const value = key === 'token' && flags.reveal !== true && res.value !== '' ? '<redacted>' : res.value;
        ui.json({ context: g.context, key, value });
      } else {
        ui.out(res.line);
      }
    });
}

export const registerConfig: CommandModule = (program, ctx) => {
  const config = program.command('config').description('Modify fleetctl configuration (~/.fleet/config)');
  registerSet(config, ctx);
  registerGet(config, ctx);
};
