import path from "node:path";
import type { BuildStorage } from "@/lib/storage/storage";

export type IconSize = 57 | 512;
export const ICON_SIZES: readonly IconSize[] = [57, 512];

/** Icons sit beside the content-addressed .ipa: `icons/<sha256>/<size>.png`. */
export function iconStorageKey(sha256: string, size: IconSize): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error("icon keys are made from a SHA-256 hex digest");
  return path.posix.join("icons", sha256, `${size}.png`);
}

/** Writes both icons (each atomically), before the build row refers to them. */
export async function saveBuildIcons(
  storage: BuildStorage,
  sha256: string,
  icons: { png57: Buffer; png512: Buffer },
): Promise<void> {
  await storage.putBuffer(iconStorageKey(sha256, 57), icons.png57, "image/png");
  await storage.putBuffer(iconStorageKey(sha256, 512), icons.png512, "image/png");
}
