import { currentUser } from "@/lib/auth/session";
import type { BuildDto } from "@/lib/builds/data";
import { env } from "@/lib/config/env";
import { installLinksFor } from "@/lib/install-links/install-links-for";
import type { UserDto } from "@/lib/users/data";

/**
 * The stable "Install" routes (a channel's newest build, or one build): they
 * mint the signed-in user's install link at the moment of the tap and send
 * iOS to the itms-services URL, so a link never goes stale in an open tab or a
 * bookmark. Signed-out visitors go to sign-in and come back; anyone who may
 * not see the build (or an empty channel) goes to `fallbackPath`.
 */
export async function freshInstallRedirect(
  returnPath: string,
  find: (user: UserDto) => Promise<BuildDto | null>,
  fallbackPath: string,
): Promise<Response> {
  const base = env().publicUrl.replace(/\/$/, "");
  const user = await currentUser();
  if (!user) return redirect(`${base}/sign-in?callbackUrl=${encodeURIComponent(returnPath)}`);
  const build = await find(user);
  if (!build) return redirect(`${base}${fallbackPath}`);
  return redirect(installLinksFor(user, build).itmsServicesUrl);
}

function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { Location: location, "Cache-Control": "private, no-store" } });
}
