import type { AuditContext } from "@/lib/audit/audit";

/**
 * The client's address as Ferry's server saw it. scripts/start.ts overwrites
 * this header on every request (a client cannot set it): the socket address,
 * or with TRUST_PROXY the first X-Forwarded-For entry.
 */
export const CLIENT_IP_HEADER = "x-ferry-client-ip";

type HeaderSource = { get(name: string): string | null };

export function requestContext(headers: HeaderSource): AuditContext {
  return { ip: headers.get(CLIENT_IP_HEADER), userAgent: headers.get("user-agent") };
}

/** For scripts/start.ts: the value of CLIENT_IP_HEADER for an incoming request. */
export function clientIpFor(
  remoteAddress: string | undefined,
  forwardedFor: string | undefined,
  trustProxy: boolean,
): string {
  if (trustProxy && forwardedFor) {
    const first = forwardedFor.split(",")[0]?.trim();
    if (first) return first;
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
