/**
 * Uploads a submission to the S3 location the Notary API returned, with its temporary credentials
 * (access key, secret key, session token; SigV4, region us-west-2 as rcodesign uses).
 *
 * An explicit endpoint (a test double's local S3 server, or FLEETCTL_NOTARY_S3_ENDPOINT) switches the
 * client to path-style addressing when the host is not AWS, since local servers do not resolve
 * bucket subdomains.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ApiError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import { describeError, withRetry, type RetryPolicy } from '../retry.js';
import type { NewSubmission } from './api.js';

export const NOTARY_S3_REGION = 'us-west-2';

export interface UploadOptions {
  readonly endpoint?: string;
  readonly retry?: RetryPolicy;
}

const isAws = (endpoint: string): boolean => /(^|\.)amazonaws\.com(\.cn)?$/i.test(new URL(endpoint).hostname);

export async function uploadSubmission(path: string, sub: NewSubmission, o: UploadOptions = {}): Promise<void> {
  registerSecret(sub.awsSecretAccessKey);
  registerSecret(sub.awsSessionToken);
  const endpoint = o.endpoint ?? sub.endpoint;
  const client = new S3Client({
    region: NOTARY_S3_REGION,
    credentials: { accessKeyId: sub.awsAccessKeyId, secretAccessKey: sub.awsSecretAccessKey, sessionToken: sub.awsSessionToken },
    ...(endpoint !== undefined ? { endpoint, forcePathStyle: !isAws(endpoint) } : {}),
    // The SDK's own retries cover throttling and 5xx; ours below also cover a dropped connection mid-body.
    maxAttempts: 3,
    // No aws-chunked trailing checksums: plain PUT bodies work with S3 and with S3-compatible servers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const { size } = await stat(path);
  try {
    await withRetry(
      () =>
        client.send(
          new PutObjectCommand({
            Bucket: sub.bucket,
            Key: sub.object,
            // A fresh stream per attempt: a consumed stream cannot be re-sent.
            Body: createReadStream(path),
            ContentLength: size,
            ContentType: 'application/octet-stream',
          }),
        ),
      o.retry ?? { attempts: 2, baseDelayMs: 2000 },
    );
  } catch (e) {
    throw new ApiError('E_NOTARY_UPLOAD', `uploading the package for notarization failed: ${describeError(e)}`, {
      hint: "the upload goes to Apple's S3 bucket; check the network and try again",
    });
  } finally {
    client.destroy();
  }
}
