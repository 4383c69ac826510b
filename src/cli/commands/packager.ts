/**
 * `fleetctl packager serve`: the Packager REST service. Flag declarations only; the server starts
 * in src/cli/run-packager.ts (lazy import).
 */
import type { CommandModule } from '../context.js';

export const registerPackager: CommandModule = (program, ctx) => {
  const packager = program.command('packager').description('Run the Packager service: builds fleetd installers on request over a REST API');
  packager
    .command('serve')
    .description('Serve POST /create, GET /status?package_id=, GET /download/{package_id} and GET /healthz (JSON request logs on stderr)')
    .option('--listen <host:port>', 'address to listen on (":8080" for all interfaces)', '127.0.0.1:8080')
    .option('--data-dir <dir>', 'where records, encrypted packages and keys live (default $XDG_DATA_HOME/fleetctl/packager)')
    .option('--cache-dir <dir>', 'TUF metadata and target cache shared by all builds (default <data-dir>/cache)')
    .option('--ttl <duration>', 'how long a finished package stays downloadable (Go duration)', '30m')
    .option('--concurrency <n>', 'builds that run at the same time (default: number of CPUs)')
    .option('--rate-limit <spec>', 'limits as route=count/window, e.g. create=30/1m,status=120/1m,download=20/1m (route=off disables one)')
    .option('--max-body-bytes <n>', 'largest accepted POST /create body', String(256 * 1024))
    .option('--public-url <url>', 'base URL clients reach the service at (for download_url behind a proxy)')
    .option(
      '--update-url <url>',
      'TUF update server every build uses: https://, http://, file:// or a directory',
      'https://updates.fleetdm.com',
    )
    .option('--update-roots <json|path>', 'root.json of that update server (output of `fleetctl updates roots`) or its path')
    .action(async (opts: Record<string, unknown>) => {
      const { runPackagerServe } = await import('../run-packager.js');
      await runPackagerServe(opts, ctx);
    });
};
