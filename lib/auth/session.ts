import type { GetServerSidePropsContext } from "next";
import { getServerSession } from "next-auth";
import { cache } from "react";
import { authOptions, type FerrySession, type SessionCheck } from "@/lib/auth/auth-options";
import { AppError } from "@/lib/errors";
import { databaseFailureForPage } from "@/lib/http/database-failure";
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
  const check: SessionCheck = {};
  const session = (await getServerSession(authOptions(undefined, check))) as Partial<FerrySession> | null;
  throwIfUnchecked(check);
  return session?.user ?? null;
});

/**
 * The database could not check the session (busy pool or unreachable): that is
 * not "signed out", so no redirect to sign-in. Pages answer 503 ("Ferry is
 * busy"), API routes 503 `database_busy` / `database_unavailable`.
 */
function throwIfUnchecked(check: SessionCheck): void {
  if (!check.databaseError) return;
  throw databaseFailureForPage(check.databaseError) ?? check.databaseError;
}

/**
 * The same for a Pages Router page (getServerSideProps), where next/headers has no
 * request: next-auth reads the cookie from `req` and may renew it on `res`.
 */
export async function currentUserOfRequest({
  req,
  res,
}: Pick<GetServerSidePropsContext, "req" | "res">): Promise<UserDto | null> {
  const check: SessionCheck = {};
  // next-auth clears the session cookie when its check throws: hold its cookies
  // back until we know the database answered, so a busy moment signs nobody out.
  let cookies: string[] | undefined;
  const held = {
    getHeader: (name: string) => (name.toLowerCase() === "set-cookie" && cookies ? cookies : res.getHeader(name)),
    setHeader: (name: string, value: string | string[]) => {
      if (name.toLowerCase() === "set-cookie") cookies = ([] as string[]).concat(value);
      else res.setHeader(name, value);
      return held;
    },
  };
  const session = (await getServerSession(
    req,
    held as unknown as typeof res,
    authOptions(undefined, check),
  )) as Partial<FerrySession> | null;
  throwIfUnchecked(check);
  if (cookies) res.setHeader("Set-Cookie", cookies);
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
