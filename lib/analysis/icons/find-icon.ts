/**
 * Chooses the app icon PNG inside an app bundle. Info.plist names icons by
 * base name ("AppIcon60x60"), sometimes with the extension ("icon.png"); the
 * files carry scale and device suffixes ("AppIcon60x60@2x.png",
 * "AppIcon76x76@2x~ipad.png"). We try every combination and prefer the
 * largest image, since it is scaled to 512 px. Icons that exist only inside
 * Assets.car are not found (the caller falls back to a placeholder).
 */

const SUFFIXES = ["@3x", "@2x", "", "~ipad", "@2x~ipad", "@3x~ipad", "~iphone", "@2x~iphone", "@3x~iphone"];
/** Legacy Icon.png is 57 pt; used when a name carries no size. */
const DEFAULT_POINTS = 57;
const FALLBACK_PATTERN = /^(?:app)?icon[^/]*\.png$/i;

/** Estimated pixel size of an icon file from its name: points × scale. */
export function estimateIconPixels(fileName: string): number {
  const scale = Number(/@(\d)x/i.exec(fileName)?.[1] ?? "1");
  const sized = /(\d+(?:\.\d+)?)x\d+(?:\.\d+)?/.exec(fileName);
  let points: number;
  if (sized?.[1]) {
    points = Number(sized[1]);
  } else {
    // "Icon-72.png", "Icon-Small-50@2x.png"; a bare "Icon-Small" is the 29 pt settings icon.
    const n = /[-_](\d+)(?=[@~.])/.exec(fileName)?.[1];
    points = n ? Number(n) : /small/i.test(fileName) ? 29 : DEFAULT_POINTS;
  }
  return points * scale;
}

interface Candidate {
  name: string;
  pixels: number;
  order: number;
}

/**
 * Every existing icon PNG at the root of `appDir`, best first.
 * `entryNames` are full archive paths (e.g. "Payload/X.app/AppIcon60x60@2x.png");
 * `iconNames` are Info.plist's icon names in priority order.
 */
export function rankIconEntries(entryNames: readonly string[], appDir: string, iconNames: readonly string[]): string[] {
  const prefix = `${appDir.replace(/\/+$/, "")}/`;
  const exact = new Map<string, string>();
  const folded = new Map<string, string>();
  for (const full of entryNames) {
    if (!full.startsWith(prefix) || full.endsWith("/")) continue;
    const rel = full.slice(prefix.length);
    if (rel.includes("/")) continue; // icons sit at the bundle root
    exact.set(rel, full);
    // Case-insensitive lookup as a fallback: names typed in Info.plist do not always match the file's case.
    if (!folded.has(rel.toLowerCase())) folded.set(rel.toLowerCase(), full);
  }
  const lookup = (rel: string): string | undefined => exact.get(rel) ?? folded.get(rel.toLowerCase());

  const found = new Map<string, Candidate>();
  const add = (full: string, order: number): void => {
    if (found.has(full)) return;
    found.set(full, { name: full, pixels: estimateIconPixels(full.slice(prefix.length)), order });
  };

  iconNames.forEach((iconName, order) => {
    const name = iconName.trim();
    if (name === "" || name.includes("/")) return;
    const base = name.replace(/\.png$/i, "");
    const direct = lookup(name);
    if (direct?.toLowerCase().endsWith(".png")) add(direct, order);
    for (const suffix of SUFFIXES) {
      const hit = lookup(`${base}${suffix}.png`);
      if (hit) add(hit, order);
    }
  });

  if (found.size === 0) {
    // Nothing named in Info.plist exists as a file: accept any conventional icon name at the root.
    for (const [rel, full] of exact) if (FALLBACK_PATTERN.test(rel)) add(full, iconNames.length);
  }

  return [...found.values()]
    .sort((a, b) => b.pixels - a.pixels || a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c) => c.name);
}

/** The best icon PNG entry, or null (e.g. the icon exists only in Assets.car). */
export function findIconEntry(
  entryNames: readonly string[],
  appDir: string,
  iconNames: readonly string[],
): string | null {
  return rankIconEntries(entryNames, appDir, iconNames)[0] ?? null;
}
