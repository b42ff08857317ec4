"use client";

export default function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="mx-auto mt-16 max-w-md text-center">
      <h1 className="text-2xl font-semibold">Something went wrong</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-300">
        Please try again. If it keeps happening, your administrator can find details in the server log.
      </p>
      <button type="button" onClick={reset} className="mt-4 rounded-md bg-slate-900 px-4 py-2 text-white">
        Try again
      </button>
    </div>
  );
}
