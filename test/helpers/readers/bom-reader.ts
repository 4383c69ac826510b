/**
 * An independent reader for macOS BOM ("BOMStore") files, written from the format description
 * (bomutils `bom.h`, apple-bom `format.rs`, as summarised in the project's pkg reference §2), not
 * from our writer. It checks the structure strictly enough to catch layout bugs: the header, the
 * block index, the named variables, the Paths B+tree (branches and chained leaves), and every
 * path record. Tests use it on Apple's own Bom (from a productbuild sample) and on ours.
 */

export interface BomPath {
  /** Full path as lsbom prints it: `.` or `./a/b`. */
  readonly path: string;
  readonly id: number;
  readonly parent: number;
  /** 1 file, 2 directory, 3 symlink, 4 device. */
  readonly type: number;
  readonly arch: number;
  /** Full st_mode, type bits included. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly size: number;
  readonly checksum: number;
  readonly linkName: string;
  /** Byte length of the PathInfo2 record (Apple pads regular files with 4 bytes). */
  readonly recordLength: number;
}

export interface BomTreeInfo {
  readonly blockSize: number;
  readonly pathCount: number;
  readonly leaves: number;
  readonly entries: number;
}

export interface BomFile {
  readonly version: number;
  readonly numberOfBlocks: number;
  readonly vars: ReadonlyMap<string, number>;
  readonly bomInfo: { readonly version: number; readonly numberOfPaths: number; readonly entries: readonly number[][] };
  readonly paths: readonly BomPath[];
  readonly pathsTree: BomTreeInfo;
  readonly hlIndex: BomTreeInfo;
  readonly size64: BomTreeInfo;
  readonly vIndex: BomTreeInfo;
}

class BomError extends Error {}

function check(cond: boolean, msg: string): asserts cond {
  if (!cond) {
    throw new BomError(`BOM: ${msg}`);
  }
}

export function readBom(buf: Buffer): BomFile {
  check(buf.length >= 32, 'file shorter than the header');
  check(buf.toString('latin1', 0, 8) === 'BOMStore', 'bad magic');
  const version = buf.readUInt32BE(8);
  const numberOfBlocks = buf.readUInt32BE(12);
  const indexOffset = buf.readUInt32BE(16);
  const indexLength = buf.readUInt32BE(20);
  const varsOffset = buf.readUInt32BE(24);
  const varsLength = buf.readUInt32BE(28);
  check(version === 1, `version ${version}`);
  check(indexOffset + indexLength <= buf.length, 'index past end of file');
  check(varsOffset + varsLength <= buf.length, 'vars past end of file');

  // Block index: count, then (address, length) pairs; entry 0 is the null block.
  const count = buf.readUInt32BE(indexOffset);
  check(4 + count * 8 + 4 <= indexLength, 'index table larger than indexLength');
  const blocks: { addr: number; len: number }[] = [];
  let used = 0;
  for (let i = 0; i < count; i++) {
    const addr = buf.readUInt32BE(indexOffset + 4 + i * 8);
    const len = buf.readUInt32BE(indexOffset + 8 + i * 8);
    check(addr + len <= buf.length, `block ${i} past end of file`);
    if (addr !== 0 || len !== 0) {
      used++;
    }
    blocks.push({ addr, len });
  }
  check(blocks[0]?.addr === 0 && blocks[0]?.len === 0, 'block 0 is not null');
  check(used === numberOfBlocks, `header says ${numberOfBlocks} blocks, index has ${used}`);
  const freeOff = indexOffset + 4 + count * 8;
  const freeCount = buf.readUInt32BE(freeOff);
  check(freeOff + 4 + freeCount * 8 <= indexOffset + indexLength, 'free list past indexLength');

  const block = (i: number): Buffer => {
    const b = blocks[i];
    check(b !== undefined && i > 0 && (b.addr !== 0 || b.len !== 0), `reference to missing block ${i}`);
    return buf.subarray(b.addr, b.addr + b.len);
  };

  // Variables: count, then (block index, u8 name length, name).
  const vars = new Map<string, number>();
  const nVars = buf.readUInt32BE(varsOffset);
  let p = varsOffset + 4;
  for (let i = 0; i < nVars; i++) {
    const bi = buf.readUInt32BE(p);
    const nameLen = buf.readUInt8(p + 4);
    vars.set(buf.toString('latin1', p + 5, p + 5 + nameLen), bi);
    p += 5 + nameLen;
  }
  check(p <= varsOffset + varsLength, 'vars overrun varsLength');
  const varBlock = (name: string): number => {
    const v = vars.get(name);
    check(v !== undefined, `missing variable ${name}`);
    return v;
  };

  const info = block(varBlock('BomInfo'));
  const infoEntries: number[][] = [];
  const nInfo = info.readUInt32BE(8);
  check(info.length >= 12 + nInfo * 16, 'BomInfo entries truncated');
  for (let i = 0; i < nInfo; i++) {
    const o = 12 + i * 16;
    infoEntries.push([info.readUInt32BE(o), info.readUInt32BE(o + 4), info.readUInt32BE(o + 8), info.readUInt32BE(o + 12)]);
  }
  const bomInfo = { version: info.readUInt32BE(0), numberOfPaths: info.readUInt32BE(4), entries: infoEntries };

  interface Tree {
    child: number;
    blockSize: number;
    pathCount: number;
  }
  const readTree = (bi: number): Tree => {
    const t = block(bi);
    check(t.length >= 21 && t.toString('latin1', 0, 4) === 'tree', `block ${bi} is not a tree`);
    check(t.readUInt32BE(4) === 1, 'tree version');
    return { child: t.readUInt32BE(8), blockSize: t.readUInt32BE(12), pathCount: t.readUInt32BE(16) };
  };

  interface Node {
    isLeaf: boolean;
    forward: number;
    backward: number;
    entries: [number, number][];
  }
  const readNode = (bi: number): Node => {
    const n = block(bi);
    check(n.length >= 12, `paths node ${bi} too short`);
    const c = n.readUInt16BE(2);
    check(n.length >= 12 + c * 8, `paths node ${bi} truncated`);
    const entries: [number, number][] = [];
    for (let i = 0; i < c; i++) {
      entries.push([n.readUInt32BE(12 + i * 8), n.readUInt32BE(16 + i * 8)]);
    }
    return { isLeaf: n.readUInt16BE(0) !== 0, forward: n.readUInt32BE(4), backward: n.readUInt32BE(8), entries };
  };

  /** Walks a B+tree: down the leftmost branch, then along the leaf chain. */
  const walk = (tree: Tree): { leaves: Node[] } => {
    let node = readNode(tree.child);
    let depth = 0;
    while (!node.isLeaf) {
      const first = node.entries[0];
      check(first !== undefined, 'empty branch node');
      node = readNode(first[0]);
      check(++depth < 32, 'tree too deep (cycle?)');
    }
    // The first leaf has no predecessor; later leaves are reached through the forward chain.
    check(node.backward === 0, 'first leaf has a backward link');
    const leaves: Node[] = [node];
    const seen = new Set<number>();
    for (let cur = node; cur.forward !== 0;) {
      check(!seen.has(cur.forward), 'leaf chain cycle');
      seen.add(cur.forward);
      const next = readNode(cur.forward);
      check(next.isLeaf, 'forward link to a branch');
      leaves.push(next);
      cur = next;
    }
    return { leaves };
  };

  const pathsTree = readTree(varBlock('Paths'));
  const { leaves } = walk(pathsTree);
  const raw: { id: number; parent: number; name: string; info: Omit<BomPath, 'path' | 'id' | 'parent'> }[] = [];
  for (const leaf of leaves) {
    for (const [pi1, fileBi] of leaf.entries) {
      const p1 = block(pi1);
      check(p1.length >= 8, 'PathInfo1 too short');
      const id = p1.readUInt32BE(0);
      const p2 = block(p1.readUInt32BE(4));
      check(p2.length >= 31, 'PathInfo2 too short');
      const linkLen = p2.readUInt32BE(27);
      check(p2.length >= 31 + linkLen, 'PathInfo2 link name truncated');
      const f = block(fileBi);
      const nul = f.indexOf(0, 4);
      check(nul >= 4, 'File name without NUL');
      raw.push({
        id,
        parent: f.readUInt32BE(0),
        name: f.toString('utf8', 4, nul),
        info: {
          type: p2.readUInt8(0),
          arch: p2.readUInt16BE(2),
          mode: p2.readUInt16BE(4),
          uid: p2.readUInt32BE(6),
          gid: p2.readUInt32BE(10),
          mtime: p2.readUInt32BE(14),
          size: p2.readUInt32BE(18),
          checksum: p2.readUInt32BE(23),
          linkName: linkLen > 0 ? p2.toString('utf8', 31, 31 + linkLen - 1) : '',
          recordLength: p2.length,
        },
      });
    }
  }
  check(raw.length === pathsTree.pathCount, `tree says ${pathsTree.pathCount} paths, leaves hold ${raw.length}`);
  // Installer walks entries in key order: (parent id, name) must be strictly increasing.
  for (let i = 1; i < raw.length; i++) {
    const a = raw[i - 1];
    const b = raw[i];
    if (a !== undefined && b !== undefined) {
      const order = a.parent - b.parent || Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
      check(order < 0, `paths out of key order at ${b.name}`);
    }
  }
  const byId = new Map(raw.map((r) => [r.id, r]));
  check(byId.size === raw.length, 'duplicate path ids');
  const fullPath = (id: number, depth = 0): string => {
    const r = byId.get(id);
    check(r !== undefined, `unknown parent id ${id}`);
    check(depth < 4096, 'parent cycle');
    return r.parent === 0 ? r.name : `${fullPath(r.parent, depth + 1)}/${r.name}`;
  };
  const paths: BomPath[] = raw.map((r) => ({ path: fullPath(r.id), id: r.id, parent: r.parent, ...r.info }));

  const treeInfo = (b: number): BomTreeInfo => {
    const t = readTree(b);
    const w = walk(t);
    return {
      blockSize: t.blockSize,
      pathCount: t.pathCount,
      leaves: w.leaves.length,
      entries: w.leaves.reduce((s, l) => s + l.entries.length, 0),
    };
  };
  const vIndexBlock = block(varBlock('VIndex'));
  check(vIndexBlock.length >= 13 && vIndexBlock.readUInt32BE(0) === 1, 'VIndex header');

  return {
    version,
    numberOfBlocks,
    vars,
    bomInfo,
    paths,
    pathsTree: { blockSize: pathsTree.blockSize, pathCount: pathsTree.pathCount, leaves: leaves.length, entries: raw.length },
    hlIndex: treeInfo(varBlock('HLIndex')),
    size64: treeInfo(varBlock('Size64')),
    vIndex: treeInfo(vIndexBlock.readUInt32BE(4)),
  };
}

/** Renders paths like `lsbom -p fmMugsc`-ish lines: path, octal mode, uid/gid, size, checksum. */
export function bomListing(bom: BomFile): string[] {
  return bom.paths.map((p) => {
    const base = `${p.path}\t${p.mode.toString(8)}\t${p.uid}/${p.gid}`;
    if (p.type === 1) {
      return `${base}\t${p.size}\t${p.checksum}`;
    }
    if (p.type === 3) {
      return `${base}\t${p.size}\t${p.checksum}\t${p.linkName}`;
    }
    return base;
  });
}
