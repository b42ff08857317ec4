import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { storagePath } from "@/lib/storage/build-files";

export type IconSize = 57 | 512;

/** Icons sit beside the content-addressed .ipa: `icons/<sha256>/<size>.png`. */
export function iconStorageKey(sha256: string, size: IconSize): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error("icon keys are made from a SHA-256 hex digest");
  return path.posix.join("icons", sha256, `${size}.png`);
}

/** Writes both icons atomically (temp file + rename), before the build row refers to them. */
export async function saveBuildIcons(
  dataDir: string,
  sha256: string,
  icons: { png57: Buffer; png512: Buffer },
): Promise<void> {
  for (const [size, png] of [
    [57, icons.png57],
    [512, icons.png512],
  ] as const) {
    const target = storagePath(dataDir, iconStorageKey(sha256, size));
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomUUID()}.tmp`;
    await fs.writeFile(tmp, png, { mode: 0o644 });
    await fs.rename(tmp, target);
  }
}

export async function readBuildIcon(dataDir: string, sha256: string, size: IconSize): Promise<Buffer | null> {
  try {
    return await fs.readFile(storagePath(dataDir, iconStorageKey(sha256, size)));
  } catch {
    return null;
  }
}
