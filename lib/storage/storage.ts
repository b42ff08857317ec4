import type { Readable } from "node:stream";
import { env } from "@/lib/config/env";
import { LocalStorage } from "@/lib/storage/local-storage";
import { S3Storage } from "@/lib/storage/s3-storage";

/**
 * Where a build's .ipa and icons live, by key (`builds/ab/<sha256>.ipa`,
 * `icons/<sha256>/<size>.png`, see build-files.ts and icon-files.ts). Two
 * backends: the local filesystem under DATA_DIR (default) and S3-compatible
 * object storage. Everything that touches stored bytes goes through this, so a
 * second instance sees exactly what the first stored.
 */
export interface BuildStorage {
  readonly kind: "local" | "s3";
  /** Stores a received temporary file under `key`. The local backend moves it (rename); callers discard the temp file either way. */
  putFile(key: string, filePath: string, size: number): Promise<void>;
  putBuffer(key: string, data: Buffer, contentType: string): Promise<void>;
  /** Size and modification time, or null when nothing is stored under `key`. */
  stat(key: string): Promise<StoredObject | null>;
  /** The file behind `key` when the backend is a local disk (the download fast path reads it directly), else null. */
  localPath(key: string): string | null;
  /** The bytes `start`…`end` (inclusive), streamed; a missing object rejects. */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
  /** A time-limited GET URL that needs no other authorization, or null when the backend has none (local). */
  presignedGetUrl(key: string, options: PresignOptions): Promise<string | null>;
  /** Removes the object; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Every stored key with its modification time, for the orphan sweep and migrations. */
  list(): AsyncIterable<StoredEntry>;
}

export interface StoredObject {
  size: number;
  lastModified: Date;
}

export interface StoredEntry {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PresignOptions {
  expiresInSeconds: number;
  contentType?: string;
  /** Becomes the response's Content-Disposition: attachment file name. */
  fileName?: string;
}

const holder = globalThis as typeof globalThis & { ferryBuildStorage?: BuildStorage };

/** The storage configured by STORAGE (one per process; the S3 client keeps its connection pool). */
export function buildStorage(): BuildStorage {
  holder.ferryBuildStorage ??= storageFromEnv();
  return holder.ferryBuildStorage;
}

function storageFromEnv(): BuildStorage {
  const config = env();
  if (config.storage.kind === "s3") return new S3Storage(config.storage);
  return new LocalStorage(config.dataDir);
}
