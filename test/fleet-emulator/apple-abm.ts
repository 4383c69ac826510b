/**
 * Plays Apple Business Manager for tests: encrypts a DEP token to the certificate fleetctl
 * generated, with the real `openssl smime`, in the S/MIME form ABM serves (headers + base64) or as
 * raw DER, with BER indefinite lengths (`-stream`) as Apple's files have.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AbmToken {
  consumer_key: string;
  consumer_secret: string;
  access_token: string;
  access_secret: string;
  access_token_expiry: string;
}

export function fakeAbmToken(seed = 'test'): AbmToken {
  return {
    consumer_key: `CK_${seed}_0123456789abcdef`,
    consumer_secret: `CS_${seed}_fedcba9876543210`,
    access_token: `AT_${seed}_O3L4fdFN0Cga`,
    access_secret: `AS_${seed}_qwertyuiop`,
    access_token_expiry: '2027-07-01T22:18:53Z',
  };
}

/** The plaintext ABM encrypts: a MIME part whose body is the JSON between MESSAGE markers. */
export function abmPlaintext(token: AbmToken | string): string {
  const json = typeof token === 'string' ? token : JSON.stringify(token);
  return `Content-Type: text/plain;charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n-----BEGIN MESSAGE-----\r\n${json}\r\n-----END MESSAGE-----\r\n`;
}

export interface EncryptOptions {
  readonly cipher?: '-aes128' | '-aes192' | '-aes256' | '-des3';
  /** BER indefinite-length output, as Apple's files. */
  readonly stream?: boolean;
  readonly outform?: 'SMIME' | 'DER' | 'PEM';
}

export function encryptForCertificate(certPem: string, plaintext: string, opts: EncryptOptions = {}): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'fleetctl-abm-'));
  try {
    writeFileSync(join(dir, 'cert.pem'), certPem);
    writeFileSync(join(dir, 'msg.txt'), plaintext);
    const args = ['smime', '-encrypt', opts.cipher ?? '-aes128', '-binary'];
    if (opts.stream !== false) {
      args.push('-stream');
    }
    if (opts.outform !== undefined) {
      args.push('-outform', opts.outform);
    }
    args.push('-in', join(dir, 'msg.txt'), '-out', join(dir, 'token.p7m'), join(dir, 'cert.pem'));
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return readFileSync(join(dir, 'token.p7m'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A throwaway self-signed certificate (and key) for "wrong key" cases. */
export function otherCertificate(): { certPem: string; keyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fleetctl-abm-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=fleet',
        '-set_serial',
        '1',
        '-days',
        '2',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { certPem: readFileSync(join(dir, 'c.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'k.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
