import type { Metadata } from "next";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { OIDC_PROVIDER_ID } from "@/lib/auth/auth-options";
import { csrfTokenOfCookies } from "@/lib/auth/csrf-token";
import { currentUser } from "@/lib/auth/session";
import { env } from "@/lib/config/env";
import { getSettings } from "@/lib/settings/settings";
import { safeCallbackPath } from "@/lib/ui/safe-callback";
import { signInErrorMessage, signInErrorMessages } from "./messages";

export const metadata: Metadata = { title: "Sign in" };

type Props = {
  searchParams: Promise<{ callbackUrl?: string | string[]; error?: string | string[]; csrf?: string | string[] }>;
};

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isSignInPage(path: string): boolean {
  return /^\/sign-in(?:[/?#]|$)/.test(path);
}

export default async function SignInPage({ searchParams }: Props) {
  const params = await searchParams;
  const callback = safeCallbackPath(first(params.callbackUrl), env().publicUrl);
  // Back to the sign-in page would loop forever for a signed-in user.
  if (await currentUser()) redirect(isSignInPage(callback) ? "/" : callback);
  const oidc = env().oidc;
  const { localLoginEnabled } = await getSettings();
  const messages = signInErrorMessages(oidc?.name ?? null);
  const jar = await cookies();
  // Without JavaScript the form posts straight to next-auth, which needs this token.
  const csrfToken = csrfTokenOfCookies((name) => jar.get(name)?.value);
  // next-auth sends a post without a valid token back here with csrf=true (and sets the cookie).
  const retry = first(params.csrf) === "true";
  return (
    <div className="mx-auto mt-10 max-w-sm">
      <h1 className="mb-1 text-2xl font-semibold tracking-tight">Sign in to Ferry</h1>
      <p className="mb-6 text-sm text-slate-600 dark:text-slate-300">Install your company&apos;s iOS apps.</p>
      <SignInForm
        callbackUrl={callback}
        sso={oidc ? { providerId: OIDC_PROVIDER_ID, name: oidc.name } : null}
        localLoginEnabled={localLoginEnabled}
        initialError={
          signInErrorMessage(first(params.error), messages) ??
          (retry ? "Your sign-in form had expired. Please sign in again." : null)
        }
        csrfToken={csrfToken}
        messages={messages}
      />
    </div>
  );
}
