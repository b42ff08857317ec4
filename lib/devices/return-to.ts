import { safeCallbackPath } from "@/lib/ui/safe-callback";

/**
 * Where to lead someone after they registered a device: the page they came
 * from (an app or build page). It rides through enrollment, which leaves
 * Safari for Settings and comes back through iOS's redirect, in a short-lived
 * cookie set when the profile is downloaded; it is checked when it goes in and
 * again when it comes out, and only same-origin relative paths pass.
 */
export const ENROLL_RETURN_COOKIE = "ferry-enroll-return";

/** A same-origin relative path ("/apps/…") to go back to, or null for anything else (absolute URLs included). */
export function safeReturnTo(value: string | null | undefined): string | null {
  if (typeof value !== "string" || !value.startsWith("/")) return null;
  const path = safeCallbackPath(value);
  // safeCallbackPath answers "/" for anything it refuses; "/" itself is nowhere worth returning to.
  return path === "/" || path.startsWith("/devices") ? null : path;
}

/** `path` with `returnTo` added as a query parameter when there is a safe one. */
export function withReturnTo(path: string, returnTo: string | null | undefined): string {
  const safe = safeReturnTo(returnTo);
  if (!safe) return path;
  return `${path}${path.includes("?") ? "&" : "?"}returnTo=${encodeURIComponent(safe)}`;
}
