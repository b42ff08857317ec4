import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { OIDC_PROVIDER_ID } from "@/lib/auth/auth-options";
import { currentUser } from "@/lib/auth/session";
import { env } from "@/lib/config/env";
import { getSettings } from "@/lib/settings/settings";
import { safeCallbackPath } from "@/lib/ui/safe-callback";
import { signInErrorMessage, signInErrorMessages } from "./messages";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<{ callbackUrl?: string | string[]; error?: string | string[] }> };

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
  return (
    <div className="mx-auto mt-10 max-w-sm">
      <h1 className="mb-1 text-2xl font-semibold tracking-tight">Sign in to Ferry</h1>
      <p className="mb-6 text-sm text-slate-600">Install your company&apos;s iOS apps.</p>
      <SignInForm
        callbackUrl={callback}
        sso={oidc ? { providerId: OIDC_PROVIDER_ID, name: oidc.name } : null}
        localLoginEnabled={localLoginEnabled}
        initialError={signInErrorMessage(first(params.error), messages)}
        messages={messages}
      />
    </div>
  );
}
