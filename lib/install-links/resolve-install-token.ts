import { type BuildFile, getBuildFileFor } from "@/lib/builds/data";
import { requireAuthSecret } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { verifyInstallToken } from "@/lib/install-links/install-token";
import { findInstallLinkUser, type UserDto } from "@/lib/users/data";

/**
 * Authorizes a cookie-less request from iOS by the token in its path: genuine,
 * unexpired, its user still active with nothing revoked since the link was
 * minted (same query as before: the version is compared in it), and still
 * allowed to see the build.
 */
export async function resolveInstallToken(
  token: string,
): Promise<{ user: UserDto; build: BuildFile; expiresAt: Date }> {
  const claims = verifyInstallToken(token, requireAuthSecret());
  const user = await findInstallLinkUser(claims.userId, claims.userVersion);
  if (!user) throw new AppError("forbidden", "This install link is no longer valid for its user.");
  const build = await getBuildFileFor(user, claims.buildId);
  if (!build) throw new AppError("not_found", "This build does not exist or is no longer available to you.");
  return { user, build, expiresAt: claims.expiresAt };
}
