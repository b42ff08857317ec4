"use client";

import { DATABASE_FAILURE_TEXT, databaseFailureOfDigest } from "@/lib/ui/database-failure-text";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  // A busy or unreachable database (the server answered 503): say so, the user is still signed in.
  const failure = databaseFailureOfDigest(error.digest);
  const text = failure
    ? DATABASE_FAILURE_TEXT[failure]
    : {
        title: "Something went wrong",
        body: "Please try again. If it keeps happening, your administrator can find details in the server log.",
      };
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
