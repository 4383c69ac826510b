/**
 * The rpm lead: the fixed 96-byte preamble of every rpm file.
 *
 * It predates the header format and is now mostly informational: rpm 4.18 (`lib/rpmlead.c`) checks
 * only the magic `ED AB EE DB`, a major version of 3 or 4 and signature type 5 ("header-style
 * signature follows"). The other fields are still filled the way rpmbuild fills them because
 * `file(1)` and older tools display them: format 3.0, type 0 (binary), the architecture number from
 * rpmrc's `arch_canon` table, the NUL-terminated `name-version-release` (at most 65 bytes), and
 * OS number 1 (Linux). All integers are big-endian.
 *
 * Specs: https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format_lead.md,
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/lib/rpmlead.c.
 */

export const LEAD_LENGTH = 96;
const LEAD_MAGIC = [0xed, 0xab, 0xee, 0xdb];
const SIGNATURE_TYPE_HEADER = 5;
const OS_LINUX = 1;

/** rpmrc `arch_canon` numbers for the architectures we build; unknown ones get 0. */
const ARCH_NUMBERS: Readonly<Record<string, number>> = { x86_64: 1, aarch64: 19, noarch: 0 };

export function rpmLead(nvr: string, arch: string): Buffer {
  const lead = Buffer.alloc(LEAD_LENGTH);
  Buffer.from(LEAD_MAGIC).copy(lead, 0);
  lead.writeUInt8(3, 4);
  lead.writeUInt8(0, 5);
  lead.writeUInt16BE(0, 6);
  lead.writeUInt16BE(ARCH_NUMBERS[arch] ?? 0, 8);
  // 66 bytes of name: keep at most 65 so a NUL always ends it (and never split a UTF-8 sequence).
  let name = Buffer.from(nvr, 'utf8');
  if (name.length > 65) {
    name = Buffer.from(
      name
        .subarray(0, 65)
        .toString('utf8')
        .replace(/\uFFFD+$/, ''),
      'utf8',
    ).subarray(0, 65);
  }
  name.copy(lead, 10);
  lead.writeUInt16BE(OS_LINUX, 76);
  lead.writeUInt16BE(SIGNATURE_TYPE_HEADER, 78);
  return lead;
}
