/**
 * What a page says when the database could not serve it: shared by the App
 * Router's error boundaries (which only see the error's digest), the Pages
 * Router's error page and the server's own 503 page (scripts/start.ts).
 */
export type DatabaseFailureCode = "database_busy" | "database_unavailable";

/** Set as `digest` on the errors thrown for these failures: Next.js passes a thrown error's own digest to the boundary. */
export const DATABASE_FAILURE_DIGESTS: Record<DatabaseFailureCode, string> = {
  database_busy: "FERRY_DATABASE_BUSY",
  database_unavailable: "FERRY_DATABASE_UNAVAILABLE",
};

export const DATABASE_FAILURE_TEXT: Record<DatabaseFailureCode, { title: string; body: string }> = {
  database_busy: {
    title: "Ferry is busy",
    body: "Too many people are using Ferry right now and your request waited too long for the database. You are still signed in: try again in a moment.",
  },
  database_unavailable: {
    title: "Ferry cannot reach its database",
    body: "Ferry's database is not answering right now (it may be restarting). You are still signed in: try again in a moment.",
  },
};

/** The failure a digest stands for, or null for any other error. */
export function databaseFailureOfDigest(digest: string | undefined): DatabaseFailureCode | null {
  if (digest === DATABASE_FAILURE_DIGESTS.database_busy) return "database_busy";
  return digest === DATABASE_FAILURE_DIGESTS.database_unavailable ? "database_unavailable" : null;
}

const SOMETHING_WENT_WRONG = {
  title: "Something went wrong",
  body: "Please try again. If it keeps happening, your administrator can find details in the server log.",
};

/** What an error boundary says for an error: the database's failure in plain words, else the generic sentence. */
export function errorPageText(digest: string | undefined): { title: string; body: string } {
  const failure = databaseFailureOfDigest(digest);
  return failure ? DATABASE_FAILURE_TEXT[failure] : SOMETHING_WENT_WRONG;
}
