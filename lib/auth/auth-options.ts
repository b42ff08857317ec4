import { randomUUID } from "node:crypto";
import type { Account, NextAuthOptions, Session, User } from "next-auth";
import type { JWT } from "next-auth/jwt";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { z } from "zod";
import { type AuditContext, recordAudit } from "@/lib/audit/audit";
import { recentSignInFailures } from "@/lib/audit/sign-in-failures";
import { dummyPasswordHash, verifyPassword } from "@/lib/auth/password";
import { env, requireAuthSecret } from "@/lib/config/env";
import { asDatabaseUnavailable } from "@/lib/db/database-errors";
import type { AppError } from "@/lib/errors";
import { CLIENT_IP_HEADER } from "@/lib/http/request-context";
import { getSettings } from "@/lib/settings/settings";
import { safeCallbackPath } from "@/lib/ui/safe-callback";
import {
  findCredentialsByEmail,
  findSessionUser,
  normalizeEmail,
  sessionVersionOf,
  type UserDto,
} from "@/lib/users/data";
import { recordSignIn, revokeSession, upsertOidcUser } from "@/lib/users/sign-in-records";

const credentialsSchema = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1024),
});

/** Sign-in errors the sign-in page explains; anything else reads "wrong email or password". */
export const SIGN_IN_ERRORS = {
  rateLimited: "TooManyAttempts",
  localDisabled: "LocalLoginDisabled",
} as const;

// Failed attempts allowed per 15 minutes: per account from one client address, and per
// client address across accounts. Not per account alone: that would let anyone lock the
// owner out with ten wrong passwords (README, "Who may install what").
const WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES_PER_ACCOUNT_AND_CLIENT = 10;
const MAX_FAILURES_PER_CLIENT = 30;

type RequestLike = { headers?: Record<string, string | string[] | undefined> } | undefined;

function header(req: RequestLike, name: string): string | null {
  const value = req?.headers?.[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

export const OIDC_PROVIDER_ID = "oidc";

const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;
// A request that passed the check just before a sign-out may still re-issue the cookie
// (fresh expiry) or mint an install link just after it; a signed-out id is kept this much
// longer than a session or an install link lives, whichever is longer.
const REVOCATION_MARGIN_SECONDS = 5 * 60;

/** A session as Ferry's callbacks build it: the user checked against the database for this request. */
export type FerrySession = { expires: string; user: UserDto };

/** The OpenID Connect claims Ferry reads: from the ID token, completed by the userinfo endpoint. */
type OidcClaims = { sub: string; iss?: unknown; email?: unknown; email_verified?: unknown; name?: unknown };

/** The payload of a JWT that openid-client has already verified (signature, iss, aud, exp, nonce). */
function verifiedJwtClaims(jwt: string | undefined): Record<string, unknown> {
  const payload = jwt?.split(".")[1];
  if (!payload) throw new Error("the OpenID Provider returned no ID token");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** `email_verified` is a boolean in the spec; some providers (e.g. Cognito) send "true"/"false". */
function emailVerified(claims: OidcClaims): boolean | undefined {
  const value = claims.email_verified;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  return undefined;
}

/**
 * A generic OpenID Connect provider found by discovery: authorization code
 * flow with PKCE, state and nonce; the ID token is verified by openid-client.
 * Claims come from the ID token; when it lacks the email (providers that follow
 * the spec strictly put scope claims only in userinfo), the userinfo endpoint
 * fills them in, for the same subject.
 */
function oidcProvider(): OAuthConfig<OidcClaims>[] {
  const oidc = env().oidc;
  if (!oidc) return [];
  return [
    {
      id: OIDC_PROVIDER_ID,
      name: oidc.name,
      type: "oauth",
      wellKnown: `${oidc.issuer}/.well-known/openid-configuration`,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret ?? "",
      // A public client (no secret) authenticates with PKCE alone.
      client: oidc.clientSecret
        ? { token_endpoint_auth_method: "client_secret_basic" }
        : { token_endpoint_auth_method: "none" },
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state", "nonce"],
      httpOptions: { timeout: 10_000 },
      userinfo: {
        async request({ tokens, client }) {
          const claims = verifiedJwtClaims(tokens.id_token);
          const complete = typeof claims.email === "string" && claims.email_verified !== undefined;
          if (complete || !client.issuer.metadata.userinfo_endpoint || !tokens.access_token) {
            return claims;
          }
          try {
            const info = (await client.userinfo(tokens.access_token)) as Record<string, unknown>;
            // Userinfo must describe the subject of the ID token (OIDC Core 5.3.2).
            if (info.sub !== claims.sub) throw new Error("userinfo sub does not match the ID token");
            return { ...claims, ...info, iss: claims.iss, sub: claims.sub };
          } catch (error) {
            if (typeof claims.email === "string") return claims;
            throw error;
          }
        },
      },
      profile(profile) {
        return {
          id: String(profile.sub),
          email: typeof profile.email === "string" ? profile.email : null,
          name: typeof profile.name === "string" ? profile.name : null,
        };
      },
    },
  ];
}

/**
 * Provisions or links the Ferry account for an OpenID Connect sign-in. The
 * account is keyed by "issuer|sub" (a subject is unique only per issuer); a
 * first sign-in links an existing account with the same email, else creates a
 * member. Refused: no email, an email the provider says is unverified, a
 * disabled account.
 */
async function oidcSignIn(user: User, account: Account, profile: OidcClaims, context: AuditContext): Promise<boolean> {
  const oidc = env().oidc;
  if (!oidc) return false;
  const subject = `${oidc.issuer}|${account.providerAccountId}`;
  const email = typeof user.email === "string" && user.email.includes("@") ? normalizeEmail(user.email) : null;
  const refuse = async (reason: string) => {
    await recordAudit({
      action: "sign_in.failure",
      // Keyed by subject, not email: a refused SSO sign-in is no password guess and must not
      // count towards that account's password rate limit.
      target: { type: "oidc_subject", id: subject },
      context,
      details: { method: "oidc", reason, email },
    });
    console.warn(`[ferry] single sign-on refused for ${email ?? subject}: ${reason}`);
    return false;
  };
  if (!email) return refuse("no_email");
  // Linking by email trusts the provider's word that the address is the user's.
  if (emailVerified(profile) === false) return refuse("email_not_verified");
  const dbUser = await upsertOidcUser({ subject, email, name: user.name ?? null });
  if (!dbUser) return refuse("disabled");
  // Carry our own id into the jwt callback.
  user.id = dbUser.id;
  await recordSignIn(dbUser.id);
  await recordAudit({
    action: "sign_in.success",
    actor: { id: dbUser.id, email: dbUser.email },
    target: { type: "email", id: dbUser.email },
    context,
    details: { method: "oidc", subject },
  });
  return true;
}

/**
 * next-auth's options, built per request. `context` is the client's address and
 * user agent for the audit rows of single sign-on (next-auth's callbacks get no
 * request): the auth route handler passes it; readers of the session need none.
 */
/**
 * Filled by the jwt callback when the database could not check the session
 * (busy pool or unreachable): next-auth reads any error there as "no session"
 * and clears the cookie, so readers look here first and answer 503 instead of
 * signing the user out (lib/auth/session.ts, the auth route).
 */
export type SessionCheck = { databaseError?: AppError };

export function authOptions(
  context: AuditContext = { ip: null, userAgent: null },
  check: SessionCheck = {},
): NextAuthOptions {
  // The user the jwt callback found for a token, for the session callback of the same
  // request: kept out of the token itself, which becomes the cookie.
  const checked = new WeakMap<JWT, UserDto>();
  return {
    secret: requireAuthSecret(),
    // Credentials sign-in requires JWT sessions in next-auth v4; every read of a
    // session re-checks the user, the session version and the session id in the
    // database (jwt callback), so disabling a user, signing out everywhere and
    // signing out are immediate.
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      ...oidcProvider(),
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(raw, req) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) return null;
          const email = normalizeEmail(parsed.data.email);
          const context = { ip: header(req, CLIENT_IP_HEADER), userAgent: header(req, "user-agent") };
          if (!(await getSettings()).localLoginEnabled) throw new Error(SIGN_IN_ERRORS.localDisabled);

          const failures = await recentSignInFailures(email, context.ip, WINDOW_MS);
          if (failures.byPair >= MAX_FAILURES_PER_ACCOUNT_AND_CLIENT || failures.byClient >= MAX_FAILURES_PER_CLIENT) {
            await recordAudit({ action: "sign_in.rate_limited", target: { type: "email", id: email }, context });
            throw new Error(SIGN_IN_ERRORS.rateLimited);
          }

          const user = await findCredentialsByEmail(email);
          // Spend the same time whether or not the account exists.
          const ok = await verifyPassword(parsed.data.password, user?.passwordHash ?? (await dummyPasswordHash()));
          if (!user?.passwordHash || !ok || user.disabled) {
            // Logged for admins; the answer to the client is the same for every reason.
            await recordAudit({ action: "sign_in.failure", target: { type: "email", id: email }, context });
            console.warn(`[ferry] sign-in failed for ${email} from ${context.ip ?? "unknown"}`);
            return null;
          }
          await recordSignIn(user.id);
          await recordAudit({
            action: "sign_in.success",
            actor: { id: user.id, email: user.email },
            target: { type: "email", id: email },
            context,
            details: { method: "password" },
          });
          return { id: user.id, email: user.email };
        },
      }),
    ],
    callbacks: {
      async signIn({ account, profile, user }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        return oidcSignIn(user, account, (profile ?? { sub: "" }) as OidcClaims, context);
      },
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.sv = await sessionVersionOf(user.id);
          // This session's own id: signing out revokes it (events.signOut).
          token.sid = randomUUID();
          return token;
        }
        // Checked here, before next-auth re-issues the cookie with a fresh expiry, so a
        // revoked session can neither be used nor renewed. Sessions from before session
        // ids existed have none and are refused (their users sign in once more).
        const { sub, sv, sid } = token;
        let active: UserDto | null = null;
        try {
          if (typeof sub === "string" && typeof sv === "number" && typeof sid === "string")
            active = await findSessionUser(sub, sv, sid);
        } catch (error) {
          check.databaseError = asDatabaseUnavailable(error) ?? undefined;
          throw error;
        }
        // An empty token is no session: what gets re-issued is harmless.
        if (!active || typeof sid !== "string") return {};
        // Install links minted during this request carry the session's id (see install-token.ts).
        checked.set(token, { ...active, sessionId: sid });
        return token;
      },
      async session({ session, token }) {
        const user = checked.get(token);
        // An empty body reads as "signed out" to getServerSession and to the client.
        if (!user) return {} as Session;
        const ferrySession: FerrySession = { expires: session.expires, user };
        return ferrySession as unknown as Session;
      },
      // Where next-auth sends the browser after sign-in (single sign-on) and sign-out:
      // the same rule as the sign-in page; absolute, on Ferry's public origin.
      async redirect({ url }) {
        const { publicUrl } = env();
        return `${new URL(publicUrl).origin}${safeCallbackPath(url, publicUrl)}`;
      },
    },
    events: {
      // Sessions are JWTs in a cookie: clearing the cookie does not stop a copy of it,
      // so the session's id is refused from now on, by sessions and by the install
      // links it minted, until the last of them has expired.
      async signOut({ token }) {
        const { sub, sid } = token ?? {};
        if (typeof sub !== "string" || typeof sid !== "string") return;
        const longest = Math.max(SESSION_MAX_AGE_SECONDS, env().installLinkTtlSeconds);
        const expiresAt = new Date(Date.now() + (longest + REVOCATION_MARGIN_SECONDS) * 1000);
        await revokeSession({ userId: sub, sid, expiresAt });
      },
    },
  };
}
