import { type NextRequest, NextResponse } from "next/server";
import { CSRF_COOKIE_NAMES, mintCsrfCookie } from "@/lib/auth/csrf-token";
import { env, requireAuthSecret } from "@/lib/config/env";
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
    `form-action ${formActionSources(request)}`,
    "frame-ancestors 'none'",
  ].join("; ");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", csp);
  const csrf = signInCsrfCookie(request);
  if (csrf) {
    // The page reads it from this request; the browser keeps it for the post.
    const cookie = request.headers.get("cookie");
    requestHeaders.set("cookie", `${cookie ? `${cookie}; ` : ""}${csrf.name}=${csrf.value}`);
  }
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  if (csrf) {
    response.cookies.set(csrf.name, csrf.value, {
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secure: csrf.name.startsWith("__Host-"),
    });
  }
  return response;
}

/**
 * Where forms may post (and be redirected): Ferry itself; on the sign-in page also the
 * OpenID Provider, because without JavaScript "Sign in with …" is a form whose post
 * next-auth answers with a redirect to the provider, and browsers hold redirects after a
 * form post to form-action too. The provider's authorization endpoint is expected on the
 * issuer's origin (as with Okta, Entra ID, Google, Keycloak); the JavaScript sign-in does
 * not depend on it.
 */
function formActionSources(request: NextRequest): string {
  const issuer = request.nextUrl.pathname === "/sign-in" ? env().oidc?.issuer : undefined;
  if (!issuer) return "'self'";
  try {
    return `'self' ${new URL(issuer).origin}`;
  } catch {
    return "'self'";
  }
}

/**
 * next-auth's CSRF cookie for a first visit to the sign-in page: the form then
 * posts without JavaScript on the first try and keeps its return address
 * (without the cookie next-auth answers `?csrf=true` and drops it).
 */
function signInCsrfCookie(request: NextRequest): { name: string; value: string } | null {
  if (request.method !== "GET" || request.nextUrl.pathname !== "/sign-in") return null;
  if (CSRF_COOKIE_NAMES.some((name) => request.cookies.has(name))) return null;
  return mintCsrfCookie(requireAuthSecret(), env().publicUrlIsHttps);
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
