import type { GetServerSidePropsContext } from "next";
import { getServerSession } from "next-auth";
import { cache } from "react";
import { authOptions, type FerrySession } from "@/lib/auth/auth-options";
import { AppError } from "@/lib/errors";
import { authenticateApiToken } from "@/lib/tokens/api-tokens";
import { TOKEN_SCOPES, type TokenScope } from "@/lib/tokens/scopes";
import type { UserDto } from "@/lib/users/data";

/**
 * The signed-in, active user of the current request, or null. The session was
 * checked against the database while it was read (auth-options' jwt callback);
 * cached per request (React `cache`): the layout, the page and its actions ask
 * for it several times, next-auth decodes the cookie once.
 */
export const currentUser = cache(async (): Promise<UserDto | null> => {
  const session = (await getServerSession(authOptions())) as Partial<FerrySession> | null;
  return session?.user ?? null;
});

/**
 * The same for a Pages Router page (getServerSideProps), where next/headers has no
 * request: next-auth reads the cookie from `req` and may renew it on `res`.
 */
export async function currentUserOfRequest({
  req,
  res,
}: Pick<GetServerSidePropsContext, "req" | "res">): Promise<UserDto | null> {
  const session = (await getServerSession(req, res, authOptions())) as Partial<FerrySession> | null;
  return session?.user ?? null;
}

export type Caller = { user: UserDto; via: "session" | "token"; scopes: TokenScope[] };

/**
 * API callers: `Authorization: Bearer <token>` first, else the browser session.
 * Throws 401 when nobody is signed in, 403 when the token lacks the scope.
 */
export async function requireCaller(request: Request, scope: TokenScope): Promise<Caller> {
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    const result = match?.[1] ? await authenticateApiToken(match[1]) : null;
    if (!result) throw new AppError("unauthorized", "The API token is missing, invalid, expired or revoked.");
    if (!result.scopes.includes(scope))
      throw new AppError("forbidden", `This API token does not have the "${scope}" scope.`);
    return { user: result.user, via: "token", scopes: result.scopes };
  }
  const user = await currentUser();
  if (!user) throw new AppError("unauthorized", "Sign in or send an API token (Authorization: Bearer …).");
  return { user, via: "session", scopes: [...TOKEN_SCOPES] };
}
