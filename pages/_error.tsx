import type { NextPageContext } from "next";
import { asDatabaseUnavailable } from "@/lib/db/database-errors";
import { DATABASE_FAILURE_TEXT, type DatabaseFailureCode } from "@/lib/ui/database-failure-text";

type Props = { statusCode: number; failure: DatabaseFailureCode | null };

/**
 * The Pages Router's error page. A busy or unreachable database while loading a
 * page (the session check included) answers 503 with Retry-After and says so:
 * the user is not signed out and nothing is broken for good.
 */
export default function ErrorPage({ statusCode, failure }: Props) {
  const text = failure
    ? DATABASE_FAILURE_TEXT[failure]
    : statusCode === 404
      ? { title: "Page not found", body: "There is nothing at this address." }
      : {
          title: "Something went wrong",
          body: "Please try again. If it keeps happening, your administrator can find details in the server log.",
        };
  return (
    <main className="mx-auto mt-16 max-w-md text-center">
      <title>{text.title}</title>
      <h1 className="text-2xl font-semibold">{text.title}</h1>
      <p className="mt-2">{text.body}</p>
    </main>
  );
}

ErrorPage.getInitialProps = ({ res, err }: NextPageContext): Props => {
  const failure = (asDatabaseUnavailable(err)?.code as DatabaseFailureCode | undefined) ?? null;
  if (failure && res) {
    res.statusCode = 503;
    res.setHeader("Retry-After", "5");
    res.setHeader("Cache-Control", "no-store");
  }
  return { statusCode: res?.statusCode ?? (err as { statusCode?: number } | null)?.statusCode ?? 404, failure };
};
