/**
 * Produces the two icon sizes Ferry serves for a build (57 px for the
 * itms-services manifest "display-image", 512 px for "full-size-image" and
 * the web UI) from the app bundle's own PNG icon, or a generated placeholder
 * when there is none we can read. Never fails because of the icon itself.
 */
import { decodePng, type RgbaImage } from "@/lib/analysis/icons/cgbi";
import { encodePng } from "@/lib/analysis/icons/encode";
import { rankIconEntries } from "@/lib/analysis/icons/find-icon";
import { placeholderIconPng } from "@/lib/analysis/icons/placeholder";
import { resizeToSquare } from "@/lib/analysis/icons/resize";
import type { IpaInfo } from "@/lib/analysis/ipa/analyze-ipa";
import { withZip, type ZipReader } from "@/lib/analysis/ipa/zip-reader";

/** Real icon PNGs are 2–200 KiB. */
export const MAX_ICON_ENTRY_BYTES = 5 * 1024 * 1024;
/** Bundle icons are at most 1024 px; refusing larger keeps decoding memory small (≤ 16 MiB per buffer). */
export const MAX_ICON_DIMENSION = 2048;
/** A damaged best candidate should not cost more than a couple of retries. */
const MAX_CANDIDATES = 3;

export interface ExtractedAppIcon {
  source: "bundle" | "placeholder";
  /** The archive entry the icon came from, or null for the placeholder. */
  entryName: string | null;
  png57: Buffer;
  png512: Buffer;
}

function hasVisiblePixel(img: RgbaImage): boolean {
  for (let i = 3; i < img.data.length; i += 4) if ((img.data[i] ?? 0) > 0) return true;
  return false;
}

async function readBundleIcon(
  ipa: string | ZipReader,
  info: IpaInfo,
): Promise<{ entryName: string; image: RgbaImage } | null> {
  const read = async (zip: ZipReader) => {
    const files = zip.entries.filter((e) => !e.isDirectory && !e.isSymlink).map((e) => e.name);
    const ranked = rankIconEntries(files, info.appDir, info.iconNames).slice(0, MAX_CANDIDATES);
    for (const entryName of ranked) {
      try {
        const buf = await zip.readEntry(entryName, MAX_ICON_ENTRY_BYTES);
        const image = decodePng(buf, { maxDimension: MAX_ICON_DIMENSION });
        if (hasVisiblePixel(image)) return { entryName, image };
      } catch {
        // Damaged, oversized or unsupported: try the next candidate, else the placeholder.
      }
    }
    return null;
  };
  return typeof ipa === "string" ? withZip(ipa, read) : read(ipa);
}

/** `ipa` is the archive's path, or the archive already open. */
export async function extractAppIcon(ipa: string | ZipReader, info: IpaInfo): Promise<ExtractedAppIcon> {
  let found: { entryName: string; image: RgbaImage } | null = null;
  try {
    found = await readBundleIcon(ipa, info);
  } catch {
    found = null; // the archive was already validated by analyzeIpa; an icon problem must not fail the upload
  }
  if (found) {
    return {
      source: "bundle",
      entryName: found.entryName,
      png57: encodePng(resizeToSquare(found.image, 57)),
      png512: encodePng(resizeToSquare(found.image, 512)),
    };
  }
  const placeholder = { bundleId: info.bundleId, appName: info.displayName };
  return {
    source: "placeholder",
    entryName: null,
    png57: placeholderIconPng({ ...placeholder, size: 57 }),
    png512: placeholderIconPng({ ...placeholder, size: 512 }),
  };
}
