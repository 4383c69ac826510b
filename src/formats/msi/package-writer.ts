/**
 * Writes a complete Windows Installer package: a compound file (MS-CFB v3) whose root storage carries
 * the MSI CLSID {000C1084-0000-0000-C000-000000000046} (without it msi.dll refuses the file), holding the
 * database streams, the `\u0005SummaryInformation` property set, and embedded cabinets referenced from
 * the Media table as `#<name>`.
 *
 * Cabinets are written first, straight into their final sectors, while their data is compressed; the
 * database and summary streams (small) follow, so memory use does not depend on the payload size.
 *
 * Spec: https://learn.microsoft.com/en-us/windows/win32/msi/installer-database and the pages linked from
 * the other files of this directory.
 */
import { unlink } from 'node:fs/promises';
import { CompoundFileWriter } from '../cfb/writer.js';
import { writeCabinet, type CabFile, type CabinetOptions, type CabinetSummary } from '../cab/writer.js';
import type { MsiDatabase } from './database.js';
import { encodeStreamName } from './stream-name.js';
import { SUMMARY_STREAM_NAME, encodeSummaryInformation, type SummaryInformation } from './summary-info.js';

/** CLSID of an installation database, in on-disk byte order. */
export const MSI_CLSID = Buffer.from('84100c0000000000c000000000000046', 'hex');

export interface EmbeddedCabinet {
  /** Stream name, as referenced by `Media.Cabinet` without the `#` (e.g. `orbit.cab`). */
  readonly name: string;
  /** Files in `File.Sequence` order; names are the File table keys. */
  readonly files: readonly CabFile[];
}

export interface MsiPackage {
  readonly database: MsiDatabase;
  readonly summary: SummaryInformation;
  readonly cabinets: readonly EmbeddedCabinet[];
}

/** Writes `pkg` to `path`; on failure the partial file is removed. */
export async function writeMsiPackage(path: string, pkg: MsiPackage, options: CabinetOptions = {}): Promise<CabinetSummary[]> {
  const cfb = await CompoundFileWriter.create(path, { rootClsid: MSI_CLSID });
  try {
    const summaries: CabinetSummary[] = [];
    for (const cab of pkg.cabinets) {
      const stream = cfb.beginStream(encodeStreamName(cab.name, false));
      summaries.push(await writeCabinet(cab.files, stream, options));
      await stream.end();
    }
    for (const s of pkg.database.streams()) {
      cfb.addStream(s.name, s.data);
    }
    cfb.addStream(SUMMARY_STREAM_NAME, encodeSummaryInformation(pkg.summary));
    await cfb.close();
    return summaries;
  } catch (e) {
    await cfb.abort();
    await unlink(path).catch(() => undefined);
    throw e;
  }
}
