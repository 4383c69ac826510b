/**
 * A throwaway PKI shaped like Apple's, made at test time: a root CA, a "Developer ID Certification
 * Authority" intermediate, a "Developer ID Installer" leaf (RSA-2048, critical EKU
 * 1.2.840.113635.100.4.13, the critical marker extension 1.2.840.113635.100.6.1.14, UID/OU = team
 * id), and a timestamp authority certificate (critical EKU timeStamping, as RFC 3161 §2.3 requires).
 * Keys come from node:crypto (fast); certificates are assembled with node-forge.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export interface TestCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly der: Buffer;
}

export interface TestPki {
  readonly root: TestCert;
  readonly intermediate: TestCert;
  readonly leaf: TestCert;
  readonly tsa: TestCert;
  /** Key + leaf + intermediate + root, as --macos-devid-pem-content takes it. */
  readonly identityPem: string;
  readonly teamId: string;
}

type Attr = { shortName?: string; type?: string; value: string };
type Ext = Record<string, unknown>;

interface Issuer {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}

function make(subject: Attr[], extensions: Ext[], serial: string, issuer?: Issuer): { cert: TestCert; issuer: Issuer } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const c = forge.pki.createCertificate();
  c.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ format: 'pem', type: 'spki' }).toString());
  c.serialNumber = serial;
  c.validity.notBefore = new Date(Date.now() - 86_400_000);
  c.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  c.setSubject(subject);
  c.setIssuer(issuer?.cert.subject.attributes ?? subject);
  c.setExtensions(extensions);
  c.sign(issuer?.key ?? key, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(c);
  return { cert: { certPem, keyPem, der: new X509Certificate(certPem).raw }, issuer: { cert: c, key } };
}

export function makeTestPki(name = 'Fleet Test'): TestPki {
  const teamId = 'FAKETEAM01';
  const ca = (cn: string, ou: string): Attr[] => [
    { shortName: 'C', value: 'US' },
    { shortName: 'O', value: name },
    { shortName: 'OU', value: ou },
    { shortName: 'CN', value: cn },
  ];
  const caExt = (pathLen?: number): Ext[] => [
    { name: 'basicConstraints', cA: true, critical: true, ...(pathLen !== undefined ? { pathLenConstraint: pathLen } : {}) },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ];
  const root = make(ca(`${name} Root CA`, 'Fake Certification Authority'), caExt(), '01');
  const intermediate = make(ca(`${name} Developer ID Certification Authority`, 'G2'), caExt(0), '02', root.issuer);
  const leaf = make(
    [
      { type: '0.9.2342.19200300.100.1.1', value: teamId },
      { shortName: 'CN', value: `Developer ID Installer: ${name} (${teamId})` },
      { shortName: 'OU', value: teamId },
      { shortName: 'O', value: name },
      { shortName: 'C', value: 'US' },
    ],
    [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', critical: true, '1.2.840.113635.100.4.13': true },
      { id: '1.2.840.113635.100.6.1.14', critical: true, value: '\x05\x00' },
    ],
    '1a2b3c4d',
    intermediate.issuer,
  );
  const tsa = make(
    [
      { shortName: 'C', value: 'US' },
      { shortName: 'O', value: name },
      { shortName: 'CN', value: `${name} Timestamp Signer` },
    ],
    [
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', timeStamping: true, critical: true },
    ],
    '03',
    root.issuer,
  );
  return {
    root: root.cert,
    intermediate: intermediate.cert,
    leaf: leaf.cert,
    tsa: tsa.cert,
    identityPem: leaf.cert.keyPem + leaf.cert.certPem + intermediate.cert.certPem + root.cert.certPem,
    teamId,
  };
}
