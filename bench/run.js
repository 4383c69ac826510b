#!/usr/bin/env node
// Runs every benchmark in sequence (after `npm run build`) and prints each one's JSON result.
// The TypeScript benches (pkg, msi) are compiled into bench/out/build first. Figures: BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(`${[cmd, ...args].join(' ')} exited ${r.status}\n`);
    process.exitCode = 1;
  }
};
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit', 'false', '--outDir', 'bench/out/build']);
const benches = {
  deb: ['bench/deb.js', '--runs', '3'],
  rpm: ['bench/rpm.js', '--runs', '3'],
  pkg: ['bench/out/build/bench/pkg.js', '--runs', '3'],
  msi: ['bench/out/build/bench/msi.js', '--runs', '3'],
  sandbox: ['bench/sandbox.js', '--runs', '3'],
  'packager-service': ['bench/packager-service.js'],
};
for (const [name, args] of Object.entries(benches)) {
  if (only.length === 0 || only.includes(name)) {
    process.stderr.write(`\n== ${name}\n`);
    run(process.execPath, args);
  }
}
