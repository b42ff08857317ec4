/**
 * "Not found" (status 404): what app/not-found.tsx shows, for the pages without
 * the React runtime too. It is the same for a page the reader may not open, so
 * its existence stays private.
 */
export function NotFoundView() {
  return (
    <div className="mx-auto mt-16 max-w-md text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-300">
        This page does not exist, or you do not have access to it.
      </p>
      {/* A plain link: the apps list is a page without the React runtime too. */}
      <a href="/" className="mt-4 inline-block text-sky-700 hover:underline dark:text-sky-300">
        Back to your apps
      </a>
    </div>
  );
}
