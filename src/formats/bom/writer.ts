/**
 * A writer for the macOS BOM (`BOMStore`) file of a component package. See `spec.ts` for the
 * sources; the layout choices here are Fleet's and bomutils' (both accepted by `lsbom` and by
 * Installer), not Apple's byte layout:
 *
 * - header, then the block data, then the variables, then the block index with an empty free list;
 * - path ids assigned breadth-first with children sorted by name (bomutils), so the Paths leaves,
 *   which must be sorted by (parent id, name), list paths in id order;
 * - per path the blocks PathInfo2, File, PathInfo1 (Apple's and Fleet's order);
 * - Paths leaves of at most 256 entries, chained forward/backward, under as many branch levels as
 *   needed (a branch entry points at a child node and at the File block of that child's last key);
 * - HLIndex, VIndex and Size64 as trees over an empty leaf (no hard links, no files ≥ 4 GiB).
 *
 * The BOM holds metadata only (a few dozen bytes per path), so it is built in memory.
 */
import { InternalError } from '../../core/errors.js';
import {
  BOM_ARCH,
  BOM_HEADER_SIZE,
  BOM_MAGIC,
  BOM_TYPE_DIR,
  BOM_TYPE_FILE,
  BOM_TYPE_LINK,
  BOM_VERSION,
  PATHS_NODE_HEADER,
  PATHS_PER_NODE,
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
  TREE_BLOCK_SIZE,
  TREE_SIZE,
  VINDEX_TREE_BLOCK_SIZE,
} from './spec.js';

export interface BomEntry {
  /** Path as the payload names it: `.` for the install root, `./a/b` below it. */
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink';
  /** Permission bits (0o7777); the type bits are added here. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Unix seconds. */
  readonly mtime: number;
  /** Bytes of a regular file (0 for directories); the target length for symlinks. */
  readonly size: number;
  /** POSIX cksum of the file content (of the target string for symlinks); 0 for directories. */
  readonly checksum: number;
  readonly linkTarget?: string;
}

/** Appends blocks and remembers their lengths; addresses are fixed when the file is laid out. */
class BlockStore {
  readonly blocks: Buffer[] = [];

  add(data: Buffer): number {
    this.blocks.push(data);
    return this.blocks.length; // index 0 is the null block
  }

  get(index: number): Buffer {
    const b = this.blocks[index - 1];
    if (b === undefined) {
      throw new InternalError('E_BOM', `no BOM block ${index}`);
    }
    return b;
  }
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

function tree(child: number, blockSize: number, pathCount: number): Buffer {
  const b = Buffer.alloc(TREE_SIZE);
  b.write('tree', 0, 'latin1');
  b.writeUInt32BE(1, 4);
  b.writeUInt32BE(child, 8);
  b.writeUInt32BE(blockSize, 12);
  b.writeUInt32BE(pathCount, 16);
  return b;
}

function pathsNode(isLeaf: boolean, entries: readonly (readonly [number, number])[], forward = 0, backward = 0): Buffer {
  const b = Buffer.alloc(PATHS_NODE_HEADER + entries.length * 8);
  b.writeUInt16BE(isLeaf ? 1 : 0, 0);
  b.writeUInt16BE(entries.length, 2);
  b.writeUInt32BE(forward, 4);
  b.writeUInt32BE(backward, 8);
  entries.forEach(([i0, i1], i) => {
    b.writeUInt32BE(i0, PATHS_NODE_HEADER + i * 8);
    b.writeUInt32BE(i1, PATHS_NODE_HEADER + i * 8 + 4);
  });
  return b;
}

function pathInfo2(e: BomEntry): Buffer {
  const link = e.type === 'symlink' ? Buffer.from(`${e.linkTarget ?? ''}\0`, 'utf8') : Buffer.alloc(0);
  // Regular files get 4 trailing zero bytes, as Apple's mkbom and Fleet write them.
  const b = Buffer.alloc(31 + link.length + (e.type === 'file' ? 4 : 0));
  const [type, typeBits] =
    e.type === 'file' ? [BOM_TYPE_FILE, S_IFREG] : e.type === 'dir' ? [BOM_TYPE_DIR, S_IFDIR] : [BOM_TYPE_LINK, S_IFLNK];
  b.writeUInt8(type, 0);
  b.writeUInt8(1, 1);
  b.writeUInt16BE(BOM_ARCH, 2);
  b.writeUInt16BE(typeBits | (e.mode & 0o7777), 4);
  b.writeUInt32BE(e.uid, 6);
  b.writeUInt32BE(e.gid, 10);
  b.writeUInt32BE(e.mtime >>> 0, 14);
  if (e.size > 0xffff_ffff) {
    // Size64 would be needed; no agent file comes close, so refuse rather than truncate.
    throw new InternalError('E_BOM_SIZE', `${e.path} is 4 GiB or larger; BOM Size64 is not supported`);
  }
  b.writeUInt32BE(e.type === 'dir' ? 0 : e.size, 18);
  b.writeUInt8(1, 22);
  b.writeUInt32BE(e.type === 'dir' ? 0 : e.checksum >>> 0, 23);
  b.writeUInt32BE(link.length, 27);
  link.copy(b, 31);
  return b;
}

interface Node {
  readonly name: string;
  readonly entry: BomEntry;
  readonly children: Node[];
}

/** Builds the directory tree from `.`-rooted paths; every parent must be listed. */
function buildTree(entries: readonly BomEntry[]): Node {
  const byPath = new Map<string, Node>();
  for (const e of entries) {
    if (byPath.has(e.path)) {
      throw new InternalError('E_BOM_DUP', `duplicate BOM path ${e.path}`);
    }
    byPath.set(e.path, { name: e.path === '.' ? '.' : (e.path.split('/').pop() ?? ''), entry: e, children: [] });
  }
  const root = byPath.get('.');
  if (root === undefined || root.entry.type !== 'dir') {
    throw new InternalError('E_BOM_ROOT', 'BOM entries must include the root directory "."');
  }
  for (const [path, node] of byPath) {
    if (path === '.') {
      continue;
    }
    if (!path.startsWith('./')) {
      throw new InternalError('E_BOM_PATH', `BOM path ${path} does not start with ./`);
    }
    const parentPath = path.slice(0, path.lastIndexOf('/'));
    const parent = byPath.get(parentPath);
    if (parent === undefined || parent.entry.type !== 'dir') {
      throw new InternalError('E_BOM_PARENT', `BOM path ${path} has no parent directory entry`);
    }
    parent.children.push(node);
  }
  for (const n of byPath.values()) {
    n.children.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  }
  return root;
}

/** Writes the Paths B+tree and returns the block index of its root node. */
function writePaths(store: BlockStore, keys: readonly (readonly [number, number])[]): number {
  // Level 0: leaves, chained both ways so Installer can scan them in key order.
  let level: { block: number; lastFile: number }[] = [];
  for (let i = 0; i === 0 || i < keys.length; i += PATHS_PER_NODE) {
    const chunk = keys.slice(i, i + PATHS_PER_NODE);
    const prev = level[level.length - 1];
    const block = store.add(pathsNode(true, chunk, 0, prev?.block ?? 0));
    if (prev !== undefined) {
      store.get(prev.block).writeUInt32BE(block, 4);
    }
    level.push({ block, lastFile: chunk[chunk.length - 1]?.[1] ?? 0 });
  }
  while (level.length > 1) {
    const up: { block: number; lastFile: number }[] = [];
    for (let i = 0; i < level.length; i += PATHS_PER_NODE) {
      const chunk = level.slice(i, i + PATHS_PER_NODE);
      const block = store.add(
        pathsNode(
          false,
          chunk.map((c) => [c.block, c.lastFile] as const),
        ),
      );
      up.push({ block, lastFile: chunk[chunk.length - 1]?.lastFile ?? 0 });
    }
    level = up;
  }
  return (level[0] as { block: number }).block;
}

/** Serialises a BOM for the given payload entries (which must include `.` and every parent). */
export function buildBom(entries: readonly BomEntry[]): Buffer {
  const root = buildTree(entries);
  const store = new BlockStore();
  const vars = new Map<string, number>();

  // BomInfo: version, numberOfPaths (paths + 1, as Apple and bomutils write it), no info entries
  // (Fleet writes none; they look like per-architecture size totals Installer does not need).
  vars.set('BomInfo', store.add(u32(1, entries.length + 1, 0)));

  // Breadth-first ids with sorted children: the leaf key order (parent id, name) equals id order.
  const keys: [number, number][] = [];
  const queue: { node: Node; parentId: number }[] = [{ node: root, parentId: 0 }];
  // An index into the queue rather than shift(), which is O(n) per call.
  for (let head = 0; head < queue.length; head++) {
    const q = queue[head] as { node: Node; parentId: number };
    const id = head + 1;
    const info2 = store.add(pathInfo2(q.node.entry));
    const nameBytes = Buffer.from(`${q.node.name}\0`, 'utf8');
    const file = store.add(Buffer.concat([u32(q.parentId), nameBytes]));
    const info1 = store.add(u32(id, info2));
    keys.push([info1, file]);
    for (const c of q.node.children) {
      queue.push({ node: c, parentId: id });
    }
  }
  vars.set('Paths', store.add(tree(writePaths(store, keys), TREE_BLOCK_SIZE, keys.length)));

  const emptyLeaf = (): number => store.add(pathsNode(true, []));
  vars.set('HLIndex', store.add(tree(emptyLeaf(), TREE_BLOCK_SIZE, 0)));
  const vTree = store.add(tree(emptyLeaf(), VINDEX_TREE_BLOCK_SIZE, 0));
  // VIndex: u32 1, u32 tree block, u32 0, u8 0.
  vars.set('VIndex', store.add(Buffer.concat([u32(1, vTree, 0), Buffer.alloc(1)])));
  vars.set('Size64', store.add(tree(emptyLeaf(), TREE_BLOCK_SIZE, 0)));

  return layout(store, vars);
}

function layout(store: BlockStore, vars: ReadonlyMap<string, number>): Buffer {
  const dataStart = BOM_HEADER_SIZE;
  const addresses: number[] = [];
  let off = dataStart;
  for (const b of store.blocks) {
    addresses.push(off);
    off += b.length;
  }
  const varParts: Buffer[] = [u32(vars.size)];
  for (const [name, block] of vars) {
    const n = Buffer.from(name, 'latin1');
    varParts.push(u32(block), Buffer.from([n.length]), n);
  }
  const varsBuf = Buffer.concat(varParts);
  const varsOffset = off;
  const indexOffset = varsOffset + varsBuf.length;
  // Index: count (null block included), (address, length) pairs, then an empty free list.
  const count = store.blocks.length + 1;
  const index = Buffer.alloc(4 + count * 8 + 4);
  index.writeUInt32BE(count, 0);
  store.blocks.forEach((b, i) => {
    index.writeUInt32BE(addresses[i] as number, 4 + (i + 1) * 8);
    index.writeUInt32BE(b.length, 8 + (i + 1) * 8);
  });
  const header = Buffer.alloc(BOM_HEADER_SIZE);
  header.write(BOM_MAGIC, 0, 'latin1');
  header.writeUInt32BE(BOM_VERSION, 8);
  header.writeUInt32BE(store.blocks.length, 12);
  header.writeUInt32BE(indexOffset, 16);
  header.writeUInt32BE(index.length, 20);
  header.writeUInt32BE(varsOffset, 24);
  header.writeUInt32BE(varsBuf.length, 28);
  return Buffer.concat([header, ...store.blocks, varsBuf, index]);
}
