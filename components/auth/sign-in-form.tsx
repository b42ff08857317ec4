"use client";

import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";
import { safeCallbackPath } from "@/lib/ui/safe-callback";

type Props = {
  callbackUrl: string;
  /** Single sign-on, when an OpenID Provider is configured. */
  sso: { providerId: string; name: string } | null;
  /** Email and password sign-in (an admin setting). */
  localLoginEnabled: boolean;
  /** The explanation of `?error=…` (e.g. after a refused single sign-on). */
  initialError: string | null;
  /** Explanations by next-auth error code; "Default" for the rest. */
  messages: Record<string, string>;
  /** next-auth's CSRF token, when its cookie is already set: used by the no-JavaScript post. */
  csrfToken: string | null;
};

export function SignInForm({ callbackUrl, sso, localLoginEnabled, initialError, messages, csrfToken }: Props) {
  const [error, setError] = useState<string | null>(initialError);
  const [pending, setPending] = useState<"sso" | "password" | null>(null);

  function explain(code: string | null | undefined): string {
    const known = code && Object.hasOwn(messages, code) ? messages[code] : undefined;
    return known ?? messages.Default ?? "Sign-in did not work. Try again.";
  }

  async function onSingleSignOn(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!sso) return;
    setPending("sso");
    setError(null);
    // Redirects the whole page to the identity provider; it comes back to callbackUrl.
    const result = await signIn(sso.providerId, { callbackUrl });
    if (result?.error) {
      setPending(null);
      setError(explain(result.error));
    }
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending("password");
    setError(null);
    const result = await signIn("credentials", {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    if (!result || result.error) {
      setPending(null);
      setError(explain(result?.error ?? "CredentialsSignin"));
      return;
    }
    // The page already cleaned it; checked again because this is where the browser goes. A full load:
    // the session changes every page, and the App Router's client navigation cannot open the pages
    // served without its runtime (the apps list, install pages, …): it asked twice, then loaded anyway.
    window.location.replace(safeCallbackPath(callbackUrl));
  }

  const inputClass =
    "w-full rounded-md border border-slate-300 px-3 py-2 text-base outline-none focus:border-sky-500 focus:ring-2 focus:ring-sky-200 dark:border-slate-600 dark:focus:ring-sky-800";

  return (
    <div className="space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-700 dark:bg-slate-900">
      {error ? (
        <p
          role="alert"
          className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {error}
        </p>
      ) : null}
      {sso ? (
        // A real form: without JavaScript the browser posts it to next-auth's sign-in endpoint
        // (with the CSRF token it checks), which redirects to the provider. With JavaScript,
        // next-auth's signIn() does the same and can explain a failure in place.
        <form
          method="post"
          action={`/api/auth/signin/${encodeURIComponent(sso.providerId)}`}
          onSubmit={(event) => void onSingleSignOn(event)}
          data-testid="sso-form"
        >
          <input type="hidden" name="csrfToken" value={csrfToken ?? ""} />
          <input type="hidden" name="callbackUrl" value={callbackUrl} />
          <button
            type="submit"
            disabled={pending !== null}
            className="w-full rounded-md bg-sky-700 px-4 py-2.5 font-medium text-white hover:bg-sky-800 disabled:opacity-60"
          >
            {pending === "sso" ? `Redirecting to ${sso.name}…` : `Sign in with ${sso.name}`}
          </button>
        </form>
      ) : null}
      {sso && localLoginEnabled ? (
        <div
          className="flex items-center gap-3 text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400"
          aria-hidden
        >
          <span className="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
          or
          <span className="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
        </div>
      ) : null}
      {localLoginEnabled ? (
        // Without JavaScript the browser posts the form to next-auth itself: method="post", so the
        // password travels in the body, never in a URL (the default GET would put it in the address).
        <form method="post" action="/api/auth/callback/credentials" onSubmit={onSubmit} className="space-y-4">
          <input type="hidden" name="csrfToken" value={csrfToken ?? ""} />
          <input type="hidden" name="callbackUrl" value={callbackUrl} />
          <div>
            <label htmlFor="email" className="mb-1 block text-sm font-medium text-slate-700 dark:text-slate-200">
              Email
            </label>
            <input id="email" name="email" type="email" autoComplete="username" required className={inputClass} />
          </div>
          <div>
            <label htmlFor="password" className="mb-1 block text-sm font-medium text-slate-700 dark:text-slate-200">
              Password
            </label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              className={inputClass}
            />
          </div>
          <button
            type="submit"
            disabled={pending !== null}
            className={
              sso
                ? "w-full rounded-md border border-slate-300 px-4 py-2 font-medium text-slate-800 hover:bg-slate-100 disabled:opacity-60 dark:border-slate-600 dark:text-slate-200 dark:hover:bg-slate-800"
                : "w-full rounded-md bg-slate-900 px-4 py-2 font-medium text-white hover:bg-slate-800 disabled:opacity-60"
            }
          >
            {pending === "password" ? "Signing in…" : "Sign in"}
          </button>
        </form>
      ) : null}
      {!sso && !localLoginEnabled ? (
        <p className="text-sm text-slate-700 dark:text-slate-200">
          Email and password sign-in is switched off and no single sign-on is configured, so nobody can sign in. An
          administrator can switch it back on from the server with <code>npm run cli -- local-login on</code>, or
          configure OIDC_ISSUER and OIDC_CLIENT_ID.
        </p>
      ) : null}
    </div>
  );
}
