import type { AuditContext } from "@/lib/audit/audit";

/**
 * The client's address as Ferry's server saw it. scripts/start.ts overwrites
 * this header on every request (a client cannot set it): the socket address,
 * or with TRUST_PROXY the address the outermost trusted proxy saw (clientIpFor).
 */
export const CLIENT_IP_HEADER = "x-ferry-client-ip";

type HeaderSource = { get(name: string): string | null };

export function requestContext(headers: HeaderSource): AuditContext {
  return { ip: headers.get(CLIENT_IP_HEADER), userAgent: headers.get("user-agent") };
}

/**
 * For scripts/start.ts: the value of CLIENT_IP_HEADER for an incoming request.
 * Each proxy appends the address it received the request from to
 * X-Forwarded-For, so with `trustedProxies` proxies in front of Ferry the
 * client is the entry that many from the right: entries further left were sent
 * by the client itself and prove nothing (nginx's `$proxy_add_x_forwarded_for`
 * keeps them). With fewer entries than proxies, the left-most one (the request
 * reached Ferry through fewer proxies than configured); without the header, or
 * with no trusted proxy, the socket's address.
 */
export function clientIpFor(
  remoteAddress: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: number,
): string {
  if (trustedProxies > 0 && forwardedFor) {
    const entries = forwardedFor
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
    const picked = entries[Math.max(0, entries.length - trustedProxies)];
    if (picked) return picked;
  }
  return (remoteAddress ?? "").replace(/^::ffff:/, "");
}

/** A Node request's headers (Pages Router pages) read like a fetch Headers, for requestContext. */
export function nodeHeaders(headers: Record<string, string | string[] | undefined>): HeaderSource {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      return (Array.isArray(value) ? value[0] : value) ?? null;
    },
  };
}
