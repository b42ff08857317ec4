import { env, requireAuthSecret } from "@/lib/config/env";
import { signInstallToken } from "@/lib/install-links/install-token";
import { buildPageUrl, type InstallLinks, installLinks } from "@/lib/install-links/urls";
import type { UserDto } from "@/lib/users/data";

export type BuildLinks = InstallLinks & { pageUrl: string; expiresAt: string };

/**
 * Mints this user's signed, expiring links for one build (the user's access was
 * checked by the caller). The user's session version comes from the same lookup
 * that authenticated them, so a revocation in between leaves the link dead; a
 * user signed in with a browser session binds the link to it (signing that
 * session out stops the link).
 */
export function installLinksFor(
  user: Pick<UserDto, "id" | "sessionVersion" | "sessionId">,
  build: { id: string; appId: string },
  now = new Date(),
): BuildLinks {
  const config = env();
  const expiresAt = new Date(now.getTime() + config.installLinkTtlSeconds * 1000);
  const token = signInstallToken(
    { buildId: build.id, userId: user.id, userVersion: user.sessionVersion, sessionId: user.sessionId, expiresAt },
    requireAuthSecret(),
  );
  return {
    ...installLinks(config.publicUrl, token),
    pageUrl: buildPageUrl(config.publicUrl, build.appId, build.id),
    expiresAt: expiresAt.toISOString(),
  };
}
