/**
 * debsigs-style origin signature of a .deb: an ASCII-armored, detached OpenPGP signature over the raw
 * bytes of `debian-binary ‖ control.tar.gz ‖ data.tar.gz` (the member contents, without ar headers
 * or padding), stored as the fourth ar member `_gpgorigin`. This is what `debsig-verify` checks
 * against a policy in /etc/debsig/policies/<KEYID>/ and the keyring in /usr/share/debsig/keyrings/<KEYID>/,
 * and the form nfpm (Fleet's own packager) writes. dpkg ignores the member.
 * The data archive is read back from its spool file while it is hashed, never held in memory.
 */
import { createReadStream } from 'node:fs';
import { byteStream, signWithGpg } from '../../signing/openpgp/sign.js';
import type { GpgSigningOptions } from '../../signing/openpgp/signing-options.js';

export const DEB_ORIGIN_SIGNATURE = '_gpgorigin';

export interface DebMembers {
  readonly debianBinary: Buffer;
  readonly control: Buffer;
  /** The data.tar.gz spool file. */
  readonly dataPath: string;
}

async function* memberBytes(m: DebMembers): AsyncGenerator<Uint8Array> {
  yield m.debianBinary;
  yield m.control;
  for await (const chunk of createReadStream(m.dataPath, { highWaterMark: 1 << 20 })) {
    yield chunk as Buffer;
  }
}

/** The `_gpgorigin` member content, dated at `createdAt` (the build time) so signed builds reproduce. */
export function debOriginSignature(gpg: GpgSigningOptions, createdAt: number, members: DebMembers): Promise<Buffer> {
  return signWithGpg(gpg, byteStream(memberBytes(members)), { createdAt, armor: true });
}
