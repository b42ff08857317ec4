"use client";

import { errorPageText } from "@/lib/ui/database-failure-text";

/** A page that failed: a busy or unreachable database (answered 503) is said as such; the user is still signed in. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const text = errorPageText(error.digest);
  return (
    <div className="mx-auto mt-16 max-w-md text-center">
      <h1 className="text-2xl font-semibold">{text.title}</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-300">{text.body}</p>
      <button type="button" onClick={reset} className="mt-4 rounded-md bg-slate-900 px-4 py-2 text-white">
        Try again
      </button>
    </div>
  );
}
