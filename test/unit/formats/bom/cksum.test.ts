import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cksum, Cksum } from '../../../../src/formats/cksum.js';

describe('POSIX cksum', () => {
  it('matches the published check values', () => {
    expect(cksum(Buffer.from('hello'))).toBe(3287646509);
    expect(cksum(Buffer.alloc(0))).toBe(4294967295);
    expect(cksum(Buffer.from([0]))).toBe(4215202376);
  });

  it('streams in arbitrary chunks to the same value', () => {
    const data = randomBytes(100_003);
    const c = new Cksum();
    for (let i = 0; i < data.length; i += 4097) {
      c.update(data.subarray(i, i + 4097));
    }
    expect(c.digest()).toBe(cksum(data));
  });

  it.runIf(spawnSync('sh', ['-c', 'command -v cksum']).status === 0)('agrees with the cksum tool at block edges', () => {
    for (const n of [1, 7, 8, 9, 255, 256, 65_537]) {
      const data = randomBytes(n);
      const out = spawnSync('cksum', { input: data, encoding: 'utf8' }).stdout;
      expect(cksum(data)).toBe(Number(out.split(' ')[0]));
    }
  });
});
