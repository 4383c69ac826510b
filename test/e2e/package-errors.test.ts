/**
 * Bad input to `fleetctl package`, as a user meets it: one clear line naming the flag or file, a
 * non-zero exit, no stack trace, and no partial installer left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestRepo, type TestRepo } from '../helpers/tuf-fixture.js';
import { errorLines, hasStackTrace, runCli } from '../helpers/cli.js';

let base: string;
let repo: TestRepo;
let notPem: string;
let flagfile: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'pkg-errors-'));
  repo = await makeTestRepo(join(base, 'repo'), { platforms: ['linux'] });
  notPem = join(base, 'not.pem');
  writeFileSync(notPem, 'this is not a certificate\n');
  flagfile = join(base, 'osquery.flags');
  writeFileSync(flagfile, '--verbose\n');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function pkg(args: string[], cwd?: string): { status: number | null; stderr: string; stdout: string; cwd: string } {
  const dir = cwd ?? mkdtempSync(join(base, 'cwd-'));
  const r = runCli(['package', `--update-url=${repo.repository}`, `--update-roots=${repo.rootJson}`, ...args], {
    cwd: dir,
    env: { XDG_CACHE_HOME: join(base, 'cache') },
  });
  return { ...r, cwd: dir };
}

const CASES: Array<[string, string[], RegExp]> = [
  ['missing --type', [], /Required flag "type" not set/],
  ['unknown --type', ['--type=zip'], /type must be one of \('deb', 'rpm', 'pkg', 'msi'\)/],
  ['url without secret', ['--type=deb', '--fleet-url=https://f.example.com'], /--enroll-secret and --fleet-url must be provided together/],
  ['insecure with fleet cert', ['--type=deb', '--insecure', `--fleet-certificate=${'/nonexistent.pem'}`], /--insecure and --fleet-certificate may not be provided together/],
  ['insecure with update cert', ['--type=deb', '--insecure', '--update-tls-certificate=/x.pem'], /--insecure and --update-tls-certificate may not be provided together/],
  ['bad host identifier', ['--type=deb', '--host-identifier=mac'], /--host-identifier=mac is not supported, currently supported values are 'uuid' and 'instance'/],
  ['half a client pair', ['--type=deb', '--fleet-tls-client-certificate=/a.crt'], /must specify both fleet-tls-client-certificate and fleet-tls-client-key/],
  ['half an update pair', ['--type=deb', '--update-tls-client-key=/a.key'], /must specify both update-tls-client-certificate and update-tls-client-key/],
  ['identity cert on pkg', ['--type=pkg', '--fleet-managed-host-identity-certificate'], /--fleet-managed-host-identity-certificate is only supported for deb\/rpm\/pkg.tar.zst packages/],
  ['relative osquery db', ['--type=deb', '--osquery-db=var/db'], /--osquery-db must be an absolute path: "var\/db"/],
  ['bad email', ['--type=deb', '--end-user-email=nope'], /Invalid email address specified for --end-user-email\./],
  ['email on pkg', ['--type=pkg', '--end-user-email=a@b.co'], /Can only set --end-user-email when building an msi, deb, rpm, or pkg.tar.zst package\./],
  ['missing fleet certificate', ['--type=deb', '--fleet-certificate=/nonexistent/fleet.pem'], /failed to read fleet server certificate "\/nonexistent\/fleet.pem": no such file/],
  ['system config on deb', ['--type=deb', '--use-system-configuration'], /--use-system-configuration is only available for pkg installers/],
  ['wrong outfile suffix', ['--type=deb', '--outfile=x.rpm'], /output file must end with .deb for deb packages/],
  ['arch on pkg', ['--type=pkg', '--arch=arm64'], /can't use '--arch' with '--type pkg'/],
  ['bad arch', ['--type=deb', '--arch=386'], /arch must be one of \('amd64', 'arm64'\)/],
  ['bad cpu quota', ['--type=deb', '--cpu-quota=0'], /--cpu-quota must be a positive whole percentage/],
  ['missing flagfile', ['--type=deb', '--osquery-flagfile=/nonexistent/osquery.flags'], /--osquery-flagfile "\/nonexistent\/osquery.flags" cannot be read: no such file/],
  ['bad update interval', ['--type=deb', '--update-interval=soon'], /--update-interval "soon" is not a positive duration/],
  ['channel with a path', ['--type=deb', '--orbit-channel=../x'], /--orbit-channel "..\/x" is not a valid channel name/],
  ['malformed update roots', ['--type=deb', '--update-roots={nope'], /--update-roots is not valid JSON/],
  ['line break in url', ['--type=deb', '--fleet-url=https://a\nb', '--enroll-secret=x'], /--fleet-url must not contain line breaks/],
  ['bad boolean', ['--type=deb', '--insecure=maybe'], /is not a boolean/],
];

describe('package: bad input', () => {
  it.each(CASES)('%s', (_name, args, expected) => {
    const r = pkg(args);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(expected);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(readdirSync(r.cwd)).toEqual([]);
  });

  it('a non-PEM certificate', () => {
    const r = pkg(['--type=deb', `--fleet-certificate=${notPem}`]);
    expect(r.status).toBe(1);
    expect(errorLines(r.stderr)).toEqual([`Error: failed to read fleet server certificate "${notPem}": invalid PEM file`]);
  });

  it('an unreadable flagfile', () => {
    if (process.getuid?.() === 0) {
      // root reads everything: use a directory instead of a mode-000 file.
      const r = pkg(['--type=deb', `--osquery-flagfile=${base}`]);
      expect(r.stderr).toMatch(/--osquery-flagfile ".*" is not a regular file/);
      return;
    }
    chmodSync(flagfile, 0);
    const r = pkg(['--type=deb', `--osquery-flagfile=${flagfile}`]);
    expect(r.stderr).toMatch(/cannot be read: permission denied/);
  });

  it('an unreachable update URL', () => {
    const r = runCli(['package', '--type=deb', '--update-url=http://127.0.0.1:9', `--update-roots=${repo.rootJson}`], {
      cwd: mkdtempSync(join(base, 'cwd-')),
      env: { XDG_CACHE_HOME: join(base, 'cache-unreachable') },
    });
    expect(r.status).toBe(1);
    expect(errorLines(r.stderr)).toEqual(['Error: cannot reach update server http://127.0.0.1:9: ECONNREFUSED']);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('an unwritable output directory fails before downloading anything', () => {
    const r = pkg(['--type=deb', '--outfile=/nonexistent-dir/x.deb']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot write the installer to \/nonexistent-dir: no such directory/);
  });

  it('never prints the enroll secret in errors', () => {
    const r = pkg(['--type=deb', '--fleet-url=https://f.example.com', '--enroll-secret=SuperSecretValue123', '--orbit-channel=../x']);
    expect(r.status).not.toBe(0);
    expect(r.stderr + r.stdout).not.toContain('SuperSecretValue123');
  });

  it('a successful build leaves exactly one file and no partial', () => {
    const dir = mkdtempSync(join(base, 'ok-'));
    mkdirSync(dir, { recursive: true });
    const r = pkg(['--type=deb', '--fleet-url=https://f.example.com', '--enroll-secret=abc123abc123', '--json'], dir);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { path: string; version: string };
    expect(out.version).toBe('1.38.0');
    expect(readdirSync(dir)).toEqual(['fleet-osquery_1.38.0_amd64.deb']);
  });
});

describe('CLI basics', () => {
  it('--version and --help', () => {
    expect(runCli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    for (const cmd of [[], ['package'], ['updates'], ['updates', 'add']]) {
      const r = runCli([...cmd, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Usage: fleetctl/);
    }
  });

  it('an unknown command exits 2 with usage', () => {
    const r = runCli(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
