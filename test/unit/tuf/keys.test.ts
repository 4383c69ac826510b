import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { canonicalize } from '@tufjs/canonical-json';
import { decryptKeys, encryptKeys, generateKey, keyIdOf, verifyBytes, type PublicKeyJson } from '../../../src/tuf/keys.js';
import { fleetRootJson } from '../../../src/tuf/fleet-root.js';

describe('TUF keys', () => {
  it("computes go-tuf key ids: every key id in Fleet's real root matches", () => {
    const root = JSON.parse(fleetRootJson()) as { signed: { keys: Record<string, PublicKeyJson> } };
    const ids = Object.keys(root.signed.keys);
    expect(ids.length).toBe(14);
    for (const [id, key] of Object.entries(root.signed.keys)) {
      expect(keyIdOf(key)).toBe(id);
    }
  });

  it("verifies the self-signature of Fleet's real root", () => {
    const root = JSON.parse(fleetRootJson()) as { signed: { keys: Record<string, PublicKeyJson>; roles: { root: { keyids: string[] } } }; signatures: Array<{ keyid: string; sig: string }> };
    const data = Buffer.from(canonicalize(root.signed));
    const good = root.signatures.filter((s) => root.signed.roles.root.keyids.includes(s.keyid) && verifyBytes(root.signed.keys[s.keyid] as PublicKeyJson, data, s.sig));
    expect(good.length).toBeGreaterThanOrEqual(1);
    const tampered = Buffer.from(canonicalize({ ...root.signed, version: 7 }));
    expect(root.signatures.some((s) => verifyBytes(root.signed.keys[s.keyid] as PublicKeyJson, tampered, s.sig))).toBe(false);
  });

  it('round-trips encrypted keys and rejects a wrong passphrase', () => {
    const k = generateKey();
    const p = encryptKeys([k], 'correct horse');
    expect(JSON.stringify(p)).not.toContain(k.privateJson.keyval.private);
    expect(decryptKeys(p, 'correct horse', 'root key')[0]?.keyId).toBe(k.keyId);
    expect(() => decryptKeys(p, 'wrong', 'root key')).toThrow(/wrong passphrase/);
  });

  it('ships the embedded root byte-identical to the fixture', () => {
    const fixture = new URL('../../../assets/tuf/updates.fleetdm.com-root-v6.json', import.meta.url);
    expect(fleetRootJson()).toBe(readFileSync(fixture, 'utf8').trim());
  });
});
