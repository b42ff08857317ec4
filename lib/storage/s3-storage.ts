import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import type { BuildStorage, PresignOptions, StoredEntry, StoredObject } from "@/lib/storage/storage";

export interface S3StorageConfig {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  /** Tests pass them; in production the SDK's standard chain (env, profile, instance role) finds them. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * The AWS SDK, loaded on first use: it adds ~20 MiB of resident memory to a
 * process, which a server on local storage (the default) never needs. A
 * dynamic import stays dynamic in the launcher's esbuild bundle and in Next.js'
 * server bundles, where a static one would load at start.
 */
type Sdk = {
  s3: typeof import("@aws-sdk/client-s3");
  storage: typeof import("@aws-sdk/lib-storage");
  presigner: typeof import("@aws-sdk/s3-request-presigner");
};
let sdkLoading: Promise<Sdk> | undefined;
function sdk(): Promise<Sdk> {
  sdkLoading ??= Promise.all([
    import("@aws-sdk/client-s3"),
    import("@aws-sdk/lib-storage"),
    import("@aws-sdk/s3-request-presigner"),
  ]).then(([s3, storage, presigner]) => ({ s3, storage, presigner }));
  return sdkLoading;
}

/** SigV4 presigned URLs live at most 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
// Multipart parts of 16 MiB, two in flight: at most ~32 MiB buffered per upload, ≤ 10,000 parts covers 156 GiB.
const PART_BYTES = 16 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

/** Stored objects in an S3-compatible bucket (AWS, MinIO, Ceph, R2, GCS interop…), same keys as on disk. */
export class S3Storage implements BuildStorage {
  readonly kind = "s3" as const;
  readonly bucket: string;
  readonly #config: S3StorageConfig;
  #client: S3Client | undefined;

  constructor(config: S3StorageConfig) {
    this.bucket = config.bucket;
    this.#config = config;
  }

  /** The SDK and this storage's client (one per instance: it keeps the connection pool). */
  private async open(): Promise<Sdk & { client: S3Client }> {
    const loaded = await sdk();
    this.#client ??= new loaded.s3.S3Client({
      region: this.#config.region,
      endpoint: this.#config.endpoint,
      forcePathStyle: this.#config.forcePathStyle,
      credentials: this.#config.credentials,
      // Only when the operation requires them: many S3-compatible servers reject the newer default checksums.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    return { ...loaded, client: this.#client };
  }

  async putFile(key: string, filePath: string, size: number): Promise<void> {
    // Content-addressed: the same bytes already stored need no second upload.
    const existing = await this.stat(key);
    if (existing && existing.size === size) return;
    const { storage, client } = await this.open();
    const upload = new storage.Upload({
      client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: createReadStream(filePath, { highWaterMark: 1024 * 1024 }),
        ContentType: "application/octet-stream",
      },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async putBuffer(key: string, data: Buffer, contentType: string): Promise<void> {
    const { s3, client } = await this.open();
    await client.send(new s3.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentType: contentType }));
  }

  localPath(): null {
    return null;
  }

  async stat(key: string): Promise<StoredObject | null> {
    const { s3, client } = await this.open();
    try {
      const head = await client.send(new s3.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isMissing(s3, error)) return null;
      throw error;
    }
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const { s3, client } = await this.open();
    const result = await client.send(
      new s3.GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Range: range ? `bytes=${range.start}-${range.end}` : undefined,
      }),
    );
    if (!(result.Body instanceof Readable)) throw new Error("the S3 client returned no stream");
    return result.Body;
  }

  async presignedGetUrl(key: string, options: PresignOptions): Promise<string> {
    const { s3, presigner, client } = await this.open();
    const command = new s3.GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.fileName ? `attachment; filename="${options.fileName}"` : undefined,
    });
    return presigner.getSignedUrl(client, command, {
      expiresIn: Math.min(Math.max(1, Math.ceil(options.expiresInSeconds)), MAX_PRESIGN_SECONDS),
    });
  }

  async delete(key: string): Promise<void> {
    const { s3, client } = await this.open();
    await client.send(new s3.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async *list(): AsyncIterable<StoredEntry> {
    const { s3, client } = await this.open();
    for (const prefix of ["builds/", "icons/"]) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key) {
            yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
          }
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
  }
}

function isMissing(s3: Sdk["s3"], error: unknown): boolean {
  if (error instanceof s3.NotFound || error instanceof s3.NoSuchKey) return true;
  return error instanceof s3.S3ServiceException && error.$metadata.httpStatusCode === 404;
}
