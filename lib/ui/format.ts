/*
 * Display formatting shared by server and client components: keep this module
 * free of server-only imports.
 */

/** Binary (IEC) units: every step is 1024, so the labels say KiB/MiB/GiB, matching MAX_UPLOAD_SIZE's "4GiB". */
export const BYTE_UNITS = ["bytes", "KiB", "MiB", "GiB", "TiB"] as const;

/**
 * "512 bytes", "1 KiB", "1.5 MiB", "4 GiB": one decimal at most, none when it
 * is zero, so limits read as round numbers and progress still moves.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || Math.abs(bytes) < 1024) return bytes === 1 ? "1 byte" : `${bytes} bytes`;
  let value = Math.abs(bytes);
  let unit = 0;
  // Promote while the rounded value would read 1024 (e.g. 1023.96 KiB → "1 MiB", not "1024 KiB").
  while (unit < BYTE_UNITS.length - 1 && Math.round(value * 10) / 10 >= 1024) {
    value /= 1024;
    unit += 1;
  }
  const text = value.toFixed(1).replace(/\.0$/, "");
  return `${bytes < 0 ? "-" : ""}${text} ${BYTE_UNITS[unit]}`;
}

/** "1 build", "3 builds": English nouns that take a plain "s". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/*
 * Formatters are built once: `toLocaleString(locale, options)` builds a new Intl formatter on every call
 * (~0.1 ms each with ICU), which a page listing 100 dated rows paid 100 times.
 */
const DATE_TIME_UTC = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

export function formatDate(iso: string): string {
  return `${DATE_TIME_UTC.format(new Date(iso))} UTC`;
}

const RELATIVE_STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 7],
  ["week", 4.345],
  ["month", 12],
  ["year", Number.POSITIVE_INFINITY],
];

/** "3 hours ago", "in 2 days", "just now": the largest unit that fits, rounded down. */
export function formatRelative(iso: string, now: Date, locale = "en"): string {
  let value = (new Date(iso).getTime() - now.getTime()) / 1000;
  if (Math.abs(value) < 45) return "just now";
  let rtf = relativeFormats.get(locale);
  if (!rtf) {
    rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
    if (relativeFormats.size < 16) relativeFormats.set(locale, rtf);
  }
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(value) < size) return rtf.format(Math.trunc(value), unit);
    value /= size;
  }
  return formatDate(iso);
}

/** A moment as the reader's own clock sees it: "3 hours ago", and the local date and time. Browser only. */
export function localTimeLabels(iso: string, now: Date): { relative: string; absolute: string } {
  return {
    relative: formatRelative(iso, now),
    absolute: new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }),
  };
}
