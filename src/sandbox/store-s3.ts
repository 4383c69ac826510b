/**
 * S3 (and S3-compatible) installer store over @aws-sdk/client-s3 + lib-storage: multipart uploads with
 * bounded memory (queueSize × partSize) and per-request retries, the standard credential chain,
 * custom endpoints and path-style addressing. Each object carries its build inputs and SHA-256 as
 * metadata; after upload the stored size and ETag are checked against values computed locally
 * (the ETag of a multipart upload is the MD5 of the part MD5s, "-" and the part count).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { HeadObjectCommand, S3Client, NotFound, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ApiError } from '../core/errors.js';
import type { InstallerStore, StoredObjectInfo } from './store.js';

export interface S3StoreOptions {
  readonly bucket: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
  /** Only send/validate checksums when the API requires them (some S3-compatible stores reject the SDK's defaults). */
  readonly checksumWhenRequired: boolean;
  readonly partSize?: number;
  readonly queueSize?: number;
  readonly maxAttempts?: number;
}

const PART_SIZE = 8 * 1024 * 1024;

/** The ETag S3 reports for an object uploaded by lib-storage with this part size. */
export async function expectedEtag(file: string, size: number, partSize: number): Promise<string> {
  if (size <= partSize) {
    const h = createHash('md5');
    for await (const c of createReadStream(file)) {
      h.update(c as Buffer);
    }
    return h.digest('hex');
  }
  const parts: Buffer[] = [];
  for (let start = 0; start < size; start += partSize) {
    const h = createHash('md5');
    for await (const c of createReadStream(file, { start, end: Math.min(size, start + partSize) - 1 })) {
      h.update(c as Buffer);
    }
    parts.push(h.digest());
  }
  return `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`;
}

function s3Error(action: string, key: string, e: unknown): ApiError {
  const msg = e instanceof Error ? e.message : String(e);
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return new ApiError('E_S3', `S3 ${action} of ${key} failed: ${msg}`, {
    ...(status !== undefined ? { status } : {}),
    hint: 'check credentials (AWS_* environment / profile), --s3-region, --s3-endpoint and bucket permissions',
    cause: e,
  });
}

export class S3Store implements InstallerStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly partSize: number;

  constructor(private readonly o: S3StoreOptions) {
    this.location = `s3://${o.bucket}${o.endpoint !== undefined ? ` (${o.endpoint})` : ''}`;
    this.partSize = o.partSize ?? PART_SIZE;
    this.client = new S3Client({
      region: o.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
      ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
      forcePathStyle: o.forcePathStyle,
      maxAttempts: o.maxAttempts ?? 6,
      ...(o.checksumWhenRequired ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
    });
  }

  private async head(key: string): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key: key }));
    } catch (e) {
      if (e instanceof NotFound || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        return undefined;
      }
      throw s3Error('HEAD', key, e);
    }
  }

  async has(key: string, inputKey: string): Promise<boolean> {
    const h = await this.head(key);
    const meta = h?.Metadata ?? {};
    return h !== undefined && meta['fleetctl-input'] === inputKey && String(h.ContentLength) === meta['fleetctl-size'];
  }

  async put(key: string, file: string, info: StoredObjectInfo): Promise<void> {
    try {
      const upload = new Upload({
        client: this.client,
        partSize: this.partSize,
        queueSize: this.o.queueSize ?? 4,
        leavePartsOnError: false,
        params: {
          Bucket: this.o.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: info.size,
          ContentType: 'application/octet-stream',
          Metadata: { 'fleetctl-input': info.inputKey, 'fleetctl-sha256': info.sha256, 'fleetctl-size': String(info.size) },
        },
      });
      await upload.done();
    } catch (e) {
      throw s3Error('upload', key, e);
    }
    const h = await this.head(key);
    const etag = (h?.ETag ?? '').replace(/"/g, '');
    const want = await expectedEtag(file, info.size, this.partSize);
    if (h === undefined || h.ContentLength !== info.size || etag !== want) {
      throw new ApiError('E_S3_VERIFY', `uploaded ${key} does not verify (size ${String(h?.ContentLength)} vs ${info.size}, ETag ${etag} vs ${want})`);
    }
  }
}
