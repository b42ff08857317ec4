import type { IncomingMessage, ServerResponse } from "node:http";
import { can } from "@/lib/access/policy";
import { csrfTokenOfCookies } from "@/lib/auth/csrf-token";
import { env } from "@/lib/config/env";
import type { UserDto } from "@/lib/users/data";

export type SiteHeaderProps = { user: UserDto | null; csrfToken: string | null; insecurePublicUrl: string | null };
export type LiteShell = { header: SiteHeaderProps; nonce: string | null };

/**
 * SiteHeader's props, on the server (app/layout.tsx, the getServerSideProps of
 * pages/): SiteHeader itself stays free of server modules, since the Pages
 * Router bundles its pages' components for the browser too.
 */
export function siteHeaderProps(user: UserDto | null, cookie: (name: string) => string | undefined): SiteHeaderProps {
  const { publicUrl, publicUrlIsHttps } = env();
  return {
    user: user && withoutSessionId(user),
    csrfToken: user ? csrfTokenOfCookies(cookie) : null,
    // iPhones refuse to install over plain http: admins are told on every page.
    insecurePublicUrl: can(user, "server.read-health") && !publicUrlIsHttps ? publicUrl : null,
  };
}

/** The session's id stays on the server: no secret, but no page needs it (and props may not hold undefined). */
function withoutSessionId(user: UserDto): UserDto {
  const { sessionId, ...rest } = user;
  return rest;
}

/** What LitePage needs, from the request of a getServerSideProps. */
function litePageShell(req: IncomingMessage & { cookies: Partial<Record<string, string>> }, user: UserDto): LiteShell {
  const nonce = req.headers["x-nonce"];
  return {
    header: siteHeaderProps(user, (name) => req.cookies[name]),
    // proxy.ts's per-request nonce: the page's one script carries it (the CSP is strict-dynamic).
    nonce: typeof nonce === "string" ? nonce : null,
  };
}

/** What a runtime-less page's getServerSideProps returns: its view's props, and the frame's. */
export function litePageProps<View>(
  req: IncomingMessage & { cookies: Partial<Record<string, string>> },
  user: UserDto,
  view: View,
): { props: { shell: LiteShell; view: View } } {
  return { props: { shell: litePageShell(req, user), view } };
}

/** A runtime-less page's 404 for a reader who may not open it: the site's frame and "Not found", nothing of the page. */
export function litePageNotFound(
  context: { req: IncomingMessage & { cookies: Partial<Record<string, string>> }; res: ServerResponse },
  user: UserDto,
): { props: { shell: LiteShell; notFound: true } } {
  context.res.statusCode = 404;
  return { props: { shell: litePageShell(context.req, user), notFound: true } };
}
