import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/sign-in-form";
import { currentUser } from "@/lib/auth/session";
import { safeCallbackPath } from "@/lib/ui/safe-callback";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<{ callbackUrl?: string; error?: string }> };

export default async function SignInPage({ searchParams }: Props) {
  const params = await searchParams;
  const callback = safeCallbackPath(params.callbackUrl);
  if (await currentUser()) redirect(callback);
  return (
    <div className="mx-auto mt-10 max-w-sm">
      <h1 className="mb-1 text-2xl font-semibold tracking-tight">Sign in to Ferry</h1>
      <p className="mb-6 text-sm text-slate-600">Install your company&apos;s iOS apps.</p>
      <SignInForm callbackUrl={callback} />
    </div>
  );
}
