/**
 * A `CabSink` over a plain file, for writing a stand-alone `.cab` (tests, tools). Inside an MSI the
 * cabinet is written into a compound-file stream instead (`SectorStream` implements the same methods).
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { CabSink } from './writer.js';

export class FileCabSink implements CabSink {
  private pos = 0;
  private constructor(private readonly fh: FileHandle) {}

  static async create(path: string): Promise<FileCabSink> {
    return new FileCabSink(await open(path, 'w'));
  }

  get size(): number {
    return this.pos;
  }

  async reserve(n: number): Promise<void> {
    await this.append(Buffer.alloc(n));
  }

  async append(buf: Buffer): Promise<void> {
    await this.writeAt(this.pos, buf, true);
  }

  async writeAt(offset: number, buf: Buffer, extend = false): Promise<void> {
    if (!extend && offset + buf.length > this.pos) {
      throw new RangeError('writeAt beyond the end of the cabinet');
    }
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, offset + done);
      done += bytesWritten;
    }
    this.pos = Math.max(this.pos, offset + buf.length);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
