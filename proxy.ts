import { type NextRequest, NextResponse } from "next/server";
import { errorResponse } from "@/lib/http/api-errors";
import { crossSiteError, isSameOriginRequest, publicOrigin } from "@/lib/http/same-origin";

/**
 * Pages only: a per-request nonce for a strict Content-Security-Policy (Next.js
 * puts it on its own scripts when it sees the header on the request).
 *
 * API routes, install files (/d/…) and static assets are NOT matched: Next.js
 * buffers and truncates at 10 MB the body of every request a proxy matches,
 * which would break uploads, and the install daemon needs no CSP.
 */
export function proxy(request: NextRequest) {
  // Server actions and form posts: Next.js checks a present Origin but lets a
  // request without one through; Ferry requires proof it comes from its own pages.
  if (request.method !== "GET" && request.method !== "HEAD" && !isSameOriginRequest(request.headers, publicOrigin())) {
    return errorResponse(crossSiteError());
  }
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    // React style attributes (progress bar width, icon sizes) need inline styles.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  matcher: [
    {
      source: "/((?!api/|d/|_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
