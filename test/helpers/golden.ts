/**
 * Golden files: expected tool output committed under test/golden/. `UPDATE_GOLDEN=1` rewrites them
 * (review the diff before committing); otherwise the test compares.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export function goldenPath(name: string): string {
  return fileURLToPath(new URL(`../golden/${name}`, import.meta.url));
}

export function expectGolden(name: string, actual: string): void {
  const file = goldenPath(name);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) {
    if (process.env['CI'] === 'true' && !existsSync(file)) {
      throw new Error(`golden file ${name} is missing (run the tests locally with UPDATE_GOLDEN=1 and commit it)`);
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
