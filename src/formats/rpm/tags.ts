/**
 * Tag numbers, data types and flag bits of the rpm v4 package format.
 *
 * An rpm header is a typed key/value store; rpm checks each tag's data type against its own tag table
 * when it loads a package, so the numbers and types below must match `include/rpm/rpmtag.h`. The
 * signature header uses its own small numbering (the `SIG_*` values), which rpm translates into the
 * main-header tag space on read; a main header must therefore never contain those translated tags.
 * Dependency sense bits come from `rpmds.h`, file flags from `rpmfiles.h`, digest algorithm numbers
 * from `rpmpgp.h` (OpenPGP hash ids, RFC 4880 §9.4).
 *
 * Specs: https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format_header.md,
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/include/rpm/rpmtag.h,
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/include/rpm/rpmds.h,
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/include/rpm/rpmfiles.h.
 */

/** Header data types (rpmTagType). STRING, STRING_ARRAY and I18NSTRING form one class for rpm's type check. */
export const TagType = {
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;
export type TagType = (typeof TagType)[keyof typeof TagType];

/** Region tags: the first index entry of a header, pointing at a trailer that seals the immutable region. */
export const HEADER_SIGNATURES = 62;
export const HEADER_IMMUTABLE = 63;

/** Signature-header tags. */
export const SigTag = {
  /** OpenPGP header signature made with a DSA, ECDSA or EdDSA key. */
  DSA: 267,
  /** OpenPGP header signature made with an RSA key. */
  RSA: 268,
  SHA1: 269,
  SHA256: 273,
  SIZE: 1000,
  MD5: 1004,
  PAYLOADSIZE: 1007,
  RESERVEDSPACE: 1008,
} as const;

/** Main-header tags used by the writer. */
export const Tag = {
  HEADERI18NTABLE: 100,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  DESCRIPTION: 1005,
  BUILDTIME: 1006,
  BUILDHOST: 1007,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  PACKAGER: 1015,
  GROUP: 1016,
  URL: 1020,
  OS: 1021,
  ARCH: 1022,
  PREIN: 1023,
  POSTIN: 1024,
  PREUN: 1025,
  POSTUN: 1026,
  FILESIZES: 1028,
  FILEMODES: 1030,
  FILERDEVS: 1033,
  FILEMTIMES: 1034,
  FILEDIGESTS: 1035,
  FILELINKTOS: 1036,
  FILEFLAGS: 1037,
  FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040,
  SOURCERPM: 1044,
  FILEVERIFYFLAGS: 1045,
  PROVIDENAME: 1047,
  REQUIREFLAGS: 1048,
  REQUIRENAME: 1049,
  REQUIREVERSION: 1050,
  PREINPROG: 1085,
  POSTINPROG: 1086,
  PREUNPROG: 1087,
  POSTUNPROG: 1088,
  FILEDEVICES: 1095,
  FILEINODES: 1096,
  FILELANGS: 1097,
  PROVIDEFLAGS: 1112,
  PROVIDEVERSION: 1113,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  PAYLOADFORMAT: 1124,
  PAYLOADCOMPRESSOR: 1125,
  PAYLOADFLAGS: 1126,
  PRETRANS: 1151,
  POSTTRANS: 1152,
  PRETRANSPROG: 1153,
  POSTTRANSPROG: 1154,
  FILEDIGESTALGO: 5011,
  ENCODING: 5062,
  PAYLOADDIGEST: 5092,
  PAYLOADDIGESTALGO: 5093,
  PAYLOADDIGESTALT: 5097,
} as const;

/** Dependency sense bits (rpmsenseFlags). */
export const Sense = {
  LESS: 1 << 1,
  GREATER: 1 << 2,
  EQUAL: 1 << 3,
  POSTTRANS: 1 << 5,
  PREREQ: 1 << 6,
  PRETRANS: 1 << 7,
  INTERP: 1 << 8,
  SCRIPT_PRE: 1 << 9,
  SCRIPT_POST: 1 << 10,
  SCRIPT_PREUN: 1 << 11,
  SCRIPT_POSTUN: 1 << 12,
  RPMLIB: 1 << 24,
} as const;

/** File flags (rpmfileAttrs). */
export const FileFlag = {
  CONFIG: 1 << 0,
  DOC: 1 << 1,
  MISSINGOK: 1 << 3,
  NOREPLACE: 1 << 4,
  GHOST: 1 << 6,
  LICENSE: 1 << 7,
  README: 1 << 8,
} as const;

/** OpenPGP hash algorithm ids, used by FILEDIGESTALGO and PAYLOADDIGESTALGO. */
export const DIGEST_ALGO_SHA256 = 8;

/** FILEVERIFYFLAGS value meaning "verify every attribute" (-1 as a signed INT32). */
export const VERIFY_ALL = -1;
