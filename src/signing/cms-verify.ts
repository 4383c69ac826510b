/**
 * Reads and checks CMS SignedData (RFC 5652 §5.4 and §5.6): BER as productsign writes it or DER as
 * we do. Checks the messageDigest and contentType attributes against the content, the signer's RSA
 * signature over the DER signed attributes, and optionally that the signer chains, through the
 * embedded certificates, to one of the given roots. Used to verify package signatures and the
 * timestamp tokens a timestamp server returns.
 */
import { createHash, verify, X509Certificate } from 'node:crypto';
import { childAt, contentOf, oidOf, parseAsn1, parseTime, toDer, type Asn1 } from './asn1.js';
import { issuerAndSerial } from './cms.js';
import { hashByOid, hashOfSignatureOid, OID, type HashName } from './oids.js';

export interface ParsedSignedData {
  readonly eContentType: string;
  /** Encapsulated content, when not detached. */
  readonly eContent: Buffer | undefined;
  readonly certificates: readonly X509Certificate[];
  readonly digest: HashName;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
  readonly signerId: Buffer;
  /** DER of the signed attributes under the SET tag (what was signed), if present. */
  readonly signedAttrsDer: Buffer | undefined;
  readonly signedAttrs: ReadonlyMap<string, readonly Asn1[]>;
  readonly unsignedAttrs: ReadonlyMap<string, readonly Asn1[]>;
  readonly signingTime: Date | undefined;
}

export interface CmsCheck {
  readonly ok: boolean;
  readonly reason?: string;
  readonly signer?: X509Certificate;
}

function attributes(set: Asn1 | undefined): Map<string, Asn1[]> {
  const out = new Map<string, Asn1[]>();
  for (const a of set?.children ?? []) {
    out.set(oidOf(childAt(a, 0, 'attrType')), [...childAt(a, 1, 'attrValues').children]);
  }
  return out;
}

export function parseSignedData(der: Buffer): ParsedSignedData {
  const ci = parseAsn1(der);
  if (oidOf(childAt(ci, 0, 'contentType')) !== OID.signedData) {
    throw new Error('CMS: not SignedData');
  }
  const sd = childAt(childAt(ci, 1, 'content'), 0, 'SignedData');
  const encap = childAt(sd, 2, 'encapContentInfo');
  const eContentWrapper = encap.children[1];
  let i = 3;
  const certificates: X509Certificate[] = [];
  for (; i < sd.children.length; i++) {
    const c = sd.children[i] as Asn1;
    if (c.tag === 0xa0) {
      for (const cert of c.children) {
        if (cert.tag === 0x30) {
          certificates.push(new X509Certificate(toDer(cert)));
        }
      }
    } else if (c.tag !== 0xa1) {
      break;
    }
  }
  const signerInfos = childAt(sd, i, 'signerInfos');
  if (signerInfos.children.length !== 1) {
    throw new Error(`CMS: expected one signer, found ${signerInfos.children.length}`);
  }
  const si = childAt(signerInfos, 0, 'SignerInfo');
  const digestOid = oidOf(childAt(childAt(si, 2, 'digestAlgorithm'), 0, 'algorithm'));
  const digest = hashByOid(digestOid);
  if (digest === undefined) {
    throw new Error(`CMS: unsupported digest ${digestOid}`);
  }
  let j = 3;
  let signedAttrsNode: Asn1 | undefined;
  if (si.children[j]?.tag === 0xa0) {
    signedAttrsNode = si.children[j];
    j++;
  }
  const signatureAlgorithm = oidOf(childAt(childAt(si, j, 'signatureAlgorithm'), 0, 'algorithm'));
  const signature = contentOf(childAt(si, j + 1, 'signature'));
  const unsignedNode = si.children[j + 2]?.tag === 0xa1 ? si.children[j + 2] : undefined;
  const signedAttrs = attributes(signedAttrsNode);
  const st = signedAttrs.get(OID.signingTime)?.[0];
  // Signed attributes are always signed in DER with the SET tag, whatever their stored encoding.
  const signedAttrsDer =
    signedAttrsNode === undefined ? undefined : Buffer.concat([Buffer.from([0x31]), toDer(signedAttrsNode).subarray(1)]);
  return {
    eContentType: oidOf(childAt(encap, 0, 'eContentType')),
    eContent: eContentWrapper === undefined ? undefined : contentOf(childAt(eContentWrapper, 0, 'eContent')),
    certificates,
    digest,
    signatureAlgorithm,
    signature,
    signerId: toDer(childAt(si, 1, 'sid')),
    signedAttrsDer,
    signedAttrs,
    unsignedAttrs: attributes(unsignedNode),
    signingTime: st === undefined ? undefined : parseTime(st),
  };
}

/** Checks the signature; `detached` is the content when the SignedData does not carry it. */
export function checkSignedData(p: ParsedSignedData, detached?: Buffer, trustedRoots?: readonly X509Certificate[]): CmsCheck {
  const content = detached ?? p.eContent;
  if (content === undefined) {
    return { ok: false, reason: 'no content to verify (detached signature without content)' };
  }
  const signer = p.certificates.find((c) => issuerAndSerial(c.raw).equals(p.signerId));
  if (signer === undefined) {
    return { ok: false, reason: 'signer certificate not included' };
  }
  const sigHash = hashOfSignatureOid(p.signatureAlgorithm) ?? (p.signatureAlgorithm === OID.rsaEncryption ? p.digest : undefined);
  if (sigHash === undefined) {
    return { ok: false, reason: `unsupported signature algorithm ${p.signatureAlgorithm}`, signer };
  }
  let signed = content;
  if (p.signedAttrsDer !== undefined) {
    const md = p.signedAttrs.get(OID.messageDigest)?.[0];
    if (md === undefined || !contentOf(md).equals(createHash(p.digest).update(content).digest())) {
      return { ok: false, reason: 'messageDigest does not match the content', signer };
    }
    const ct = p.signedAttrs.get(OID.contentType)?.[0];
    if (ct === undefined || oidOf(ct) !== p.eContentType) {
      return { ok: false, reason: 'contentType attribute does not match', signer };
    }
    signed = p.signedAttrsDer;
  }
  if (!verify(sigHash, signed, signer.publicKey, p.signature)) {
    return { ok: false, reason: 'signature does not verify', signer };
  }
  if (trustedRoots !== undefined && !chainsTo(signer, p.certificates, trustedRoots)) {
    return { ok: false, reason: 'signer does not chain to a trusted root', signer };
  }
  return { ok: true, signer };
}

/** Signature-only path validation (no time or extension checks; Apple leaves have critical private extensions). */
export function chainsTo(leaf: X509Certificate, pool: readonly X509Certificate[], roots: readonly X509Certificate[]): boolean {
  let cur = leaf;
  for (let depth = 0; depth < 8; depth++) {
    if (roots.some((r) => r.raw.equals(cur.raw) || (cur.checkIssued(r) && cur.verify(r.publicKey)))) {
      return true;
    }
    const next = pool.find((c) => !c.raw.equals(cur.raw) && cur.checkIssued(c) && cur.verify(c.publicKey));
    if (next === undefined) {
      return false;
    }
    cur = next;
  }
  return false;
}

/** The raw element bytes of the first value of an attribute (e.g. a timestamp token). */
export function attributeBytes(attrs: ReadonlyMap<string, readonly Asn1[]>, type: string): Buffer | undefined {
  const v = attrs.get(type)?.[0];
  return v === undefined ? undefined : toDer(v);
}
