/**
 * Actions of `fleetctl updates …`. Passphrases come from FLEET_<ROLE>_PASSPHRASE or, on a terminal,
 * from a prompt; without either the command fails and names the variable to set.
 */
import { UserError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { Role } from '../tuf/metadata.js';
import { addTarget, initRepo, resignTimestamp, rootsOf, type PassphraseProvider } from '../tuf/repo.js';
import type { CliContext } from './context.js';

function passphrases(env: NodeJS.ProcessEnv): PassphraseProvider {
  return async (role: Role, purpose) => {
    const name = `FLEET_${role.toUpperCase()}_PASSPHRASE`;
    const fromEnv = env[name];
    if (fromEnv !== undefined) {
      registerSecret(fromEnv);
      return fromEnv;
    }
    if (!process.stdin.isTTY) {
      throw new UserError('E_PASSPHRASE', `no passphrase for the ${role} key`, { hint: `set ${name} (no terminal to prompt on)` });
    }
    const { password } = await import('@inquirer/prompts');
    const first = await password({ message: `Enter ${purpose === 'new' ? 'a new ' : ''}passphrase for the ${role} key:`, mask: '*' });
    if (purpose === 'new') {
      const again = await password({ message: `Repeat passphrase for the ${role} key:`, mask: '*' });
      if (again !== first) {
        throw new UserError('E_PASSPHRASE', `the two passphrases for the ${role} key differ`);
      }
    }
    registerSecret(first);
    return first;
  };
}

export async function runUpdates(verb: 'init' | 'add' | 'roots' | 'timestamp', o: Record<string, unknown>, ctx: CliContext): Promise<void> {
  const ui = ctx.ui();
  const path = typeof o['path'] === 'string' ? o['path'] : '.';
  const passphrase = passphrases(ctx.env);
  switch (verb) {
    case 'init': {
      await initRepo({ path, passphrase });
      ui.success(`Initialized TUF repository in ${path}`);
      ui.info('Keep keys/ secret and backed up; serve repository/ as the update server.');
      return;
    }
    case 'roots': {
      ui.out(await rootsOf(path));
      return;
    }
    case 'add': {
      const tags = Array.isArray(o['tag']) ? (o['tag'] as string[]) : [];
      const paths = await addTarget({
        path,
        passphrase,
        target: String(o['target']),
        name: String(o['name']),
        platform: String(o['platform']),
        version: String(o['version']),
        tags,
      });
      for (const p of paths) {
        ui.info(`Added ${p}`);
      }
      ui.success('Committed targets, snapshot and timestamp.');
      return;
    }
    case 'timestamp': {
      const v = await resignTimestamp({ path, passphrase });
      ui.success(`Signed timestamp.json version ${v}.`);
      return;
    }
  }
}
