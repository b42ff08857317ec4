"use client";

import "@/app/globals.css";
import { errorPageText } from "@/lib/ui/database-failure-text";

/**
 * Errors of the root layout itself (it reads the session for the header): most
 * often the database being busy or unreachable, answered 503 by the server.
 */
export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const text = errorPageText(error.digest);
  return (
    <html lang="en">
      <head>
        <title>{text.title}</title>
      </head>
      <body>
        <main className="mx-auto mt-16 max-w-md text-center">
          <h1 className="text-2xl font-semibold">{text.title}</h1>
          <p className="mt-2">{text.body}</p>
          <button type="button" onClick={reset} className="mt-4 rounded-md bg-slate-900 px-4 py-2 text-white">
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
