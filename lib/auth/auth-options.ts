import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { z } from "zod";
import { recentSignInFailures, recordAudit } from "@/lib/audit/audit";
import { dummyPasswordHash, verifyPassword } from "@/lib/auth/password";
import { env, requireAuthSecret } from "@/lib/config/env";
import { CLIENT_IP_HEADER } from "@/lib/http/request-context";
import { getSettings } from "@/lib/settings/settings";
import {
  findCredentialsByEmail,
  normalizeEmail,
  recordSignIn,
  sessionVersionOf,
  upsertOidcUser,
} from "@/lib/users/users";

const credentialsSchema = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1024),
});

/** Sign-in errors the sign-in page explains; anything else reads "wrong email or password". */
export const SIGN_IN_ERRORS = {
  rateLimited: "TooManyAttempts",
  localDisabled: "LocalLoginDisabled",
} as const;

// Failed attempts allowed per 15 minutes, per account and per client address.
const WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES_PER_ACCOUNT = 10;
const MAX_FAILURES_PER_CLIENT = 30;

type RequestLike = { headers?: Record<string, string | string[] | undefined> } | undefined;

function header(req: RequestLike, name: string): string | null {
  const value = req?.headers?.[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

export const OIDC_PROVIDER_ID = "oidc";

function oidcProvider(): OAuthConfig<Record<string, unknown>>[] {
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
      ...(oidc.clientSecret ? {} : { client: { token_endpoint_auth_method: "none" } }),
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state", "nonce"],
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

export function authOptions(): NextAuthOptions {
  return {
    secret: requireAuthSecret(),
    // Credentials sign-in requires JWT sessions in next-auth v4; every request
    // re-checks the user and the session version in the database
    // (lib/auth/session.ts), so disabling a user or revoking sessions is immediate.
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
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
          if (failures.byAccount >= MAX_FAILURES_PER_ACCOUNT || failures.byClient >= MAX_FAILURES_PER_CLIENT) {
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
        const claims = (profile ?? {}) as { email?: unknown; email_verified?: unknown };
        if (typeof user.email !== "string" || claims.email_verified === false) return false;
        const oidc = env().oidc;
        const dbUser = await upsertOidcUser({
          subject: `${oidc?.issuer ?? ""}|${account.providerAccountId}`,
          email: user.email,
          name: user.name ?? null,
        });
        if (!dbUser) return false;
        // Carry our own id into the jwt callback.
        user.id = dbUser.id;
        await recordSignIn(dbUser.id);
        await recordAudit({
          action: "sign_in.success",
          actor: { id: dbUser.id, email: dbUser.email },
          target: { type: "email", id: dbUser.email },
          details: { method: "oidc" },
        });
        return true;
      },
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.sv = await sessionVersionOf(user.id);
        }
        return token;
      },
      async session({ session, token }) {
        return { ...session, userId: token.sub, sv: typeof token.sv === "number" ? token.sv : -1 };
      },
    },
  };
}
