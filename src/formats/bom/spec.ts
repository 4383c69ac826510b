/**
 * Constants of the macOS BOM ("bill of materials", `BOMStore`) file that every component package
 * carries as `Bom`: the installer reads it to know which paths it will lay down, with their modes,
 * ownership, sizes and checksums (`lsbom` prints it). There is no public Apple specification; the
 * layout below is the one documented by the open-source readers and writers and seen in Apple-made
 * files: bomutils (https://github.com/hogliux/bomutils, `src/bom.h`), apple-bom
 * (https://github.com/indygreg/apple-platform-rs/tree/main/apple-bom, `src/format.rs`) and Fleet's
 * `orbit/pkg/packaging/bom.go`. All integers are big-endian.
 */

export const BOM_MAGIC = 'BOMStore';
export const BOM_VERSION = 1;
/** Header: magic(8), version, numberOfBlocks, indexOffset, indexLength, varsOffset, varsLength. */
export const BOM_HEADER_SIZE = 32;

/** The five named variables, in the order Apple's tools write them. */
export const BOM_VARS = ['BomInfo', 'Paths', 'HLIndex', 'VIndex', 'Size64'] as const;

/** `tree` header: magic(4), version, child block, blockSize, pathCount, one unknown byte (0). */
export const TREE_SIZE = 21;
export const TREE_BLOCK_SIZE = 4096;
/** The VIndex inner tree uses a smaller block size in every known writer. */
export const VINDEX_TREE_BLOCK_SIZE = 128;

/** Paths node header: isLeaf u16, count u16, forward u32, backward u32; then (index0, index1) pairs. */
export const PATHS_NODE_HEADER = 12;
/**
 * Entries per Paths node. bomutils has used 256 for years with Installer; it keeps a leaf well inside
 * the 4096-byte block size (12 + 256 × 8 = 2060 bytes).
 */
export const PATHS_PER_NODE = 256;

/** PathInfo2 `type`. */
export const BOM_TYPE_FILE = 1;
export const BOM_TYPE_DIR = 2;
export const BOM_TYPE_LINK = 3;

/**
 * PathInfo2 `arch`. Apple wrote 0x000F in the sample, bomutils and Fleet write 3; the installer
 * does not appear to use it. We follow the long-deployed bomutils/Fleet value.
 */
export const BOM_ARCH = 3;

/** st_mode file-type bits stored in PathInfo2 `mode`. */
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
