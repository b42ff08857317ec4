import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";

/**
 * CSRF defence for cookie-authenticated writes: the browser must say the
 * request comes from our own origin (Sec-Fetch-Site, else Origin). Pure, so
 * the proxy (page posts, server actions) and API routes share one rule.
 * `publicOrigin` is PUBLIC_URL's origin, e.g. "https://ferry.example.com".
 */
export function isSameOriginRequest(headers: { get(name: string): string | null }, publicOrigin: string): boolean {
  if (headers.get("sec-fetch-site") === "same-origin") return true;
  // Browsers without Sec-Fetch-Site still send Origin on cross-origin posts; "null" never matches.
  const origin = headers.get("origin");
  return origin !== null && origin === publicOrigin;
}

export function publicOrigin(): string {
  return new URL(env().publicUrl).origin;
}

export function crossSiteError(): AppError {
  return new AppError("forbidden", "Cross-site request refused.");
}

export function assertSameOrigin(request: Request): void {
  if (!isSameOriginRequest(request.headers, publicOrigin())) throw crossSiteError();
}
