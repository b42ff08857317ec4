import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";

/**
 * CSRF defence for cookie-authenticated writes: the browser must say the
 * request comes from our own origin (Sec-Fetch-Site, else Origin).
 */
export function assertSameOrigin(request: Request): void {
  const site = request.headers.get("sec-fetch-site");
  if (site === "same-origin") return;
  const origin = request.headers.get("origin");
  if (origin && origin === new URL(env().publicUrl).origin) return;
  throw new AppError("forbidden", "Cross-site request refused.");
}
