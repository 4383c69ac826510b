import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { UserError } from '../../../src/core/errors.js';
import { macosSigningEnv, parseMacosSigning, type RawMacosSigningFlags } from '../../../src/packaging/pkg/sign-options.js';
import { APPLE_TSA_URL } from '../../../src/signing/tsa.js';
import { makeTestPki } from '../../fakes/notary/pki.js';

const pem = makeTestPki().identityPem;
const p8 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const notarize: RawMacosSigningFlags = {
  macosDevidPemContent: pem,
  notarize: true,
  appStoreConnectApiKeyId: 'KEY',
  appStoreConnectApiKeyIssuer: 'ISSUER',
  appStoreConnectApiKeyContent: p8,
};

const fails = (f: RawMacosSigningFlags, re: RegExp, type = 'pkg'): void => {
  expect(() => parseMacosSigning(f, type)).toThrow(UserError);
  expect(() => parseMacosSigning(f, type)).toThrow(re);
};

describe('macOS signing flags', () => {
  it('nothing asked, nothing returned; other package types ignore the settings', () => {
    expect(parseMacosSigning({}, 'pkg')).toEqual({});
    expect(parseMacosSigning(notarize, 'deb')).toEqual({});
  });

  it('signing alone has no timestamp unless asked; notarizing defaults to Apple\'s TSA; "none" disables it', () => {
    expect(parseMacosSigning({ macosDevidPemContent: pem }, 'pkg').macosSigning?.timestampUrl).toBeUndefined();
    expect(parseMacosSigning(notarize, 'pkg').macosSigning?.timestampUrl).toBe(APPLE_TSA_URL);
    expect(parseMacosSigning({ ...notarize, timestampUrl: 'none' }, 'pkg').macosSigning?.timestampUrl).toBeUndefined();
    expect(parseMacosSigning({ ...notarize, timestampUrl: 'http://127.0.0.1:1/ts' }, 'pkg').macosSigning?.timestampUrl).toBe(
      'http://127.0.0.1:1/ts',
    );
  });

  it('notarize options carry the timeout and the test/advanced endpoints', () => {
    const n = parseMacosSigning(
      {
        ...notarize,
        notarizeTimeout: '5m',
        ...macosSigningEnv({ FLEETCTL_NOTARY_API_URL: 'http://127.0.0.1:9/notary/v2', FLEETCTL_NOTARY_POLL_INTERVAL: '50ms' }),
      },
      'pkg',
    ).notarize;
    expect(n?.timeoutMs).toBe(300_000);
    expect(n?.pollIntervalMs).toBe(50);
    expect(n?.apiUrl).toBe('http://127.0.0.1:9/notary/v2');
    expect(n?.ticketUrl).toBeUndefined();
  });

  it('rejects bad combinations with clear messages', () => {
    fails(
      { macosDevidPemContent: pem, macosDevidPem: '/x.pem' },
      /only one signing identity may be given, got --macos-devid-pem-content and --macos-devid-pem/,
    );
    fails({ notarize: true }, /--notarize requires a signed package/);
    fails({ timestampUrl: 'http://t' }, /--timestamp-url requires a signing identity/);
    fails({ macosDevidPemContent: pem, timestampUrl: 'ftp://t' }, /must be an http:\/\/ or https:\/\/ URL/);
    fails({ ...notarize, appStoreConnectApiKeyIssuer: undefined }, /both an App Store Connect API key and issuer must be set/);
    fails({ ...notarize, appStoreConnectApiKeyContent: undefined }, /--app-store-connect-api-key-content must be set/);
    fails(
      { ...notarize, appStoreConnectApiKeyContent: pem.split('-----BEGIN CERTIFICATE')[0] },
      /App Store Connect API key content is not usable: it is a rsa key/,
    );
    fails({ ...notarize, notarizeTimeout: 'soon' }, /--notarize-timeout "soon" is not a positive duration/);
    fails({ macosDevidP12: '/nonexistent.p12' }, /--macos-devid-p12 "\/nonexistent.p12" cannot be read: no such file/);
  });
});
