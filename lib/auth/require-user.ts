import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import type { UserDto } from "@/lib/users/users";

/** For pages: the signed-in user, or a redirect to sign-in that comes back here. */
export async function requireUserPage(returnTo: string): Promise<UserDto> {
  const user = await currentUser();
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}
