/**
 * Comparing app versions the way iOS apps number them: CFBundleShortVersionString
 * ("1.10.2") by its period-separated integer components (missing ones are 0, so
 * "1.2" equals "1.2.0" and "1.10" is newer than "1.9"), then CFBundleVersion the
 * same way. A component that is not a number compares as text, after numbers.
 */

function components(value: string): string[] {
  return value.trim().split(".");
}

function compareComponent(a: string, b: string): number {
  const na = /^\d+$/.test(a) ? Number(a) : null;
  const nb = /^\d+$/.test(b) ? Number(b) : null;
  if (na !== null && nb !== null) return Math.sign(na - nb);
  if (na !== null) return -1;
  if (nb !== null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** -1, 0 or 1 as `a` is older than, the same as or newer than `b`. */
export function compareVersionStrings(a: string, b: string): number {
  const ca = components(a);
  const cb = components(b);
  for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
    const c = compareComponent(ca[i] ?? "0", cb[i] ?? "0");
    if (c !== 0) return c;
  }
  return 0;
}

/** Compares (version, build); a missing build number on either side compares by version only. */
export function compareBuilds(
  a: { version: string; buildNumber: string | null },
  b: { version: string; buildNumber: string | null },
): number {
  const byVersion = compareVersionStrings(a.version, b.version);
  if (byVersion !== 0 || a.buildNumber === null || b.buildNumber === null) return byVersion;
  return compareVersionStrings(a.buildNumber, b.buildNumber);
}
