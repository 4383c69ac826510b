/**
 * `fleetctl updates init|add|roots|timestamp`: manage a TUF repository (go-tuf layout) for
 * self-hosted or air-gapped update servers. Implementation in src/cli/run-updates.ts (lazy import).
 */
import type { CommandModule } from '../context.js';
import { collect } from '../flags.js';

export const registerUpdates: CommandModule = (program, ctx) => {
  const updates = program
    .command('updates')
    .description('Manage a TUF update repository for orbit, osqueryd and Fleet Desktop (self-hosted or air-gapped update servers)');
  const run = async (verb: 'init' | 'add' | 'roots' | 'timestamp', opts: Record<string, unknown>): Promise<void> => {
    const { runUpdates } = await import('../run-updates.js');
    await runUpdates(verb, opts, ctx);
  };
  updates
    .command('init')
    .description('Create a new repository with fresh ed25519 keys for every role (passphrases from FLEET_{ROOT,TARGETS,SNAPSHOT,TIMESTAMP}_PASSPHRASE or a prompt)')
    .option('--path <dir>', 'path to the repository', '.')
    .action((o: Record<string, unknown>) => run('init', o));
  updates
    .command('roots')
    .description('Print the root.json of a repository (the value for `package --update-roots`)')
    .option('--path <dir>', 'path to the repository', '.')
    .action((o: Record<string, unknown>) => run('roots', o));
  updates
    .command('add')
    .description('Add a target (orbit, osqueryd, desktop, …) under its version and tags, then re-sign targets, snapshot and timestamp')
    .option('--path <dir>', 'path to the repository', '.')
    .requiredOption('--target <file>', 'file to publish')
    .requiredOption('--name <name>', 'target name: orbit, osqueryd, desktop, extensions/<name>')
    .requiredOption('--platform <platform>', 'platform: linux, linux-arm64, macos, macos-app, windows, windows-arm64')
    .requiredOption('--version <version>', 'version of the target (stored as custom.version)')
    .option('-t, --tag <tag>', 'extra channel tag, repeatable (e.g. -t stable -t edge)', collect)
    .action((o: Record<string, unknown>) => run('add', o));
  updates
    .command('timestamp')
    .description('Re-sign timestamp.json (run more often than its 14-day expiry)')
    .option('--path <dir>', 'path to the repository', '.')
    .action((o: Record<string, unknown>) => run('timestamp', o));
};
