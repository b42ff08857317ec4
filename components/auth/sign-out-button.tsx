"use client";

import { signOut } from "next-auth/react";

/**
 * A form posting to next-auth, so signing out works without JavaScript (the
 * pages without the React runtime); with it, next-auth's client does the same.
 * `csrfToken` comes from next-auth's cookie; without it next-auth shows its own
 * confirmation page, which carries a fresh one.
 */
export function SignOutButton({ csrfToken }: { csrfToken: string | null }) {
  return (
    <form
      method="post"
      action="/api/auth/signout"
      onSubmit={(event) => {
        event.preventDefault();
        void signOut({ callbackUrl: "/sign-in" });
      }}
    >
      {csrfToken ? <input type="hidden" name="csrfToken" value={csrfToken} /> : null}
      <input type="hidden" name="callbackUrl" value="/sign-in" />
      <button
        type="submit"
        className="rounded-md border border-slate-300 px-2.5 py-1 text-slate-700 hover:bg-slate-100 dark:border-slate-600 dark:text-slate-200 dark:hover:bg-slate-800"
      >
        Sign out
      </button>
    </form>
  );
}
