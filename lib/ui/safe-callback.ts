/**
 * Where to go after sign-in: always a same-origin path ("/…"), "/" for
 * anything odd. Browsers drop tabs and newlines from URLs and read "\" as "/",
 * so "/\t/evil.example" or "/\evil.example" become "//evil.example", another
 * site; CR, LF and non-ASCII bytes make an invalid Location header (a 500).
 * Rather than predict every parser, only plain printable ASCII is accepted,
 * and its percent-decoded forms must be harmless too.
 *
 * `publicUrl` (PUBLIC_URL, possibly with a path prefix) admits absolute URLs
 * under Ferry's own address, turned into their path; without it only paths are
 * accepted. Paths are origin-relative, as a browser reads them.
 */
export function safeCallbackPath(value: string | undefined | null, publicUrl?: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_LENGTH || !URL_CHARS.test(value)) {
    return "/";
  }
  const path = value.startsWith("/") ? value : ownPath(value, publicUrl);
  return path !== null && harmless(path) ? path : "/";
}

// Well above any path of Ferry's; keeps the redirect header small.
const MAX_LENGTH = 2048;
// RFC 3986's unreserved, sub-delims, ":", "@", "/", "?", "#" and "%": no space, control, backslash or non-ASCII.
const URL_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?#%]+$/;
// What a decoded form must not contain: control characters (C0, DEL, C1), backslashes, non-ASCII.
const ODD_DECODED = /[^\x20-\x7e]|\\/;

/** The path of an absolute URL under Ferry's public address, else null. */
function ownPath(value: string, publicUrl: string | undefined): string | null {
  if (!publicUrl || !/^https?:\/\//i.test(value)) return null;
  let url: URL;
  let base: URL;
  try {
    url = new URL(value);
    base = new URL(publicUrl);
  } catch {
    return null;
  }
  if (url.origin !== base.origin || url.username || url.password) return null;
  const prefix = base.pathname.replace(/\/+$/, "");
  if (prefix && url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * A path that stays on this origin however it is read: one leading "/", no
 * "//" or "\" anywhere, also after percent-decoding (repeatedly, as layered
 * proxies and routers may).
 */
function harmless(path: string): boolean {
  let current = path;
  for (let round = 0; round < 4; round++) {
    if (!current.startsWith("/") || current.includes("//") || ODD_DECODED.test(current)) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return false; // malformed percent-encoding
    }
    if (decoded === current) return true;
    current = decoded;
  }
  return false; // still changing after several decodings: nobody legitimate encodes that deep
}
