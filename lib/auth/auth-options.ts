import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { dummyPasswordHash, verifyPassword } from "@/lib/auth/password";
import { requireAuthSecret } from "@/lib/config/env";
import { findCredentialsByEmail, type UserRole } from "@/lib/users/users";

const credentialsSchema = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1024) });

export function authOptions(): NextAuthOptions {
  return {
    secret: requireAuthSecret(),
    // Credentials sign-in requires JWT sessions in next-auth v4; every request
    // re-checks the user in the database (lib/auth/session.ts), so disabling a
    // user takes effect at once.
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
    pages: { signIn: "/sign-in" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(raw) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) return null;
          const user = await findCredentialsByEmail(parsed.data.email);
          // Spend the same time whether or not the account exists.
          const ok = await verifyPassword(parsed.data.password, user?.passwordHash ?? (await dummyPasswordHash()));
          if (!user?.passwordHash || !ok || user.disabled) return null;
          return { id: user.id, email: user.email, role: user.role };
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.role = (user as { role?: UserRole }).role;
        }
        return token;
      },
      async session({ session, token }) {
        return { ...session, userId: token.sub };
      },
    },
  };
}
