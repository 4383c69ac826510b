/**
 * `fleetctl login` / `fleetctl logout`: exchange email + password for an API token stored in the
 * context (as Go fleetctl), and revoke it. The password is prompted for, hidden, when not given, so it
 * stays out of shell history; without a terminal it must come from --password or PASSWORD.
 */
import { addConfigOptions, resolveConfigOptions, type CliContext, type CommandModule } from '../context.js';

interface LoginFlags {
  config?: string;
  context?: string;
  email?: string;
  password?: string;
}

function interactive(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

async function resolveCredentials(ctx: CliContext, flags: LoginFlags): Promise<{ email: string; password: string }> {
  const ui = ctx.ui();
  const { UserError } = await import('../../core/errors.js');
  let email = flags.email ?? ctx.env['EMAIL'] ?? '';
  let password = flags.password ?? ctx.env['PASSWORD'] ?? '';
  if (flags.email === undefined && email !== '') {
    ui.info('Using value of environment variable $EMAIL as email.');
  }
  if (flags.password === undefined && password !== '') {
    ui.info('Using value of environment variable $PASSWORD as password.');
  }
  if (email === '' || password === '') {
    if (!interactive()) {
      const missing = [email === '' ? '--email (or EMAIL)' : '', password === '' ? '--password (or PASSWORD)' : ''].filter((s) => s !== '');
      throw new UserError('E_USAGE', `no terminal to prompt on: pass ${missing.join(' and ')}`, {
        hint: 'using SSO or MFA? Copy your API token from "My account" in the Fleet UI and run: fleetctl config set --token <token>',
      });
    }
    const prompts = await import('@inquirer/prompts');
    if (email === '') {
      ui.info('Log in using the standard Fleet credentials.');
      email = await prompts.input({ message: 'Email:' });
    }
    if (password === '') {
      password = await prompts.password({ message: 'Password:', mask: true });
    }
  }
  const { registerSecret } = await import('../../core/redact.js');
  registerSecret(password);
  return { email, password };
}

export const registerLogin: CommandModule = (program, ctx) => {
  addConfigOptions(program.command('login'))
    .description('Log in to Fleet (prompts for the password when --password is not given)')
    .option('--email <email>', 'email to use to log in (env EMAIL)')
    .option('--password <password>', 'password to use to log in (env PASSWORD; interactive entry recommended)')
    .addHelpText(
      'after',
      '\nTrying to log in with SSO or MFA? Log in to the Fleet UI, copy your API token from the "My account" page and run\n  fleetctl config set --token <your-api-token>',
    )
    .action(async (flags: LoginFlags) => {
      const g = resolveConfigOptions(ctx, flags);
      const ui = ctx.ui();
      const { openFleetClient } = await import('../../fleet-api/from-config.js');
      const { client } = await openFleetClient({
        configPath: g.config,
        context: g.context,
        requireToken: false,
        debug: (l) => ui.debug(l),
      });
      try {
        const { email, password } = await resolveCredentials(ctx, flags);
        const { login } = await import('../../fleet-api/session.js');
        const res = await login(client, email, password);
        const { updateConfig } = await import('../../core/config-store.js');
        await updateConfig(g.config, (cfg) => {
          cfg.set(g.context, 'email', email);
          cfg.set(g.context, 'token', res.token);
        });
        ui.success('[+] Fleet login successful and context configured!');
      } finally {
        await client.close();
      }
    });
};

export const registerLogout: CommandModule = (program, ctx) => {
  addConfigOptions(program.command('logout'))
    .description('Log out of Fleet (revokes the token and clears it from the context)')
    .action(async (flags: { config?: string; context?: string }) => {
      const g = resolveConfigOptions(ctx, flags);
      const ui = ctx.ui();
      const { openFleetClient } = await import('../../fleet-api/from-config.js');
      const { client } = await openFleetClient({ configPath: g.config, context: g.context, debug: (l) => ui.debug(l) });
      try {
        const { logout } = await import('../../fleet-api/session.js');
        const { FleetctlError, UserError } = await import('../../core/errors.js');
        try {
          await logout(client);
        } catch (e) {
          if (e instanceof FleetctlError) {
            throw new UserError(
              e.code,
              `error logging out: ${e.message}`,
              e.hint === undefined ? { cause: e } : { hint: e.hint, cause: e },
            );
          }
          throw e;
        }
        const { updateConfig } = await import('../../core/config-store.js');
        await updateConfig(g.config, (cfg) => cfg.set(g.context, 'token', ''));
        ui.success('[+] Fleet logout successful and local token cleared!');
      } finally {
        await client.close();
      }
    });
};
