import Link from "next/link";

/**
 * "First page" / "Next page" links of a keyset-paged list (lib/http/pagination.ts):
 * a page knows only the cursor after its last row, so there is no "previous".
 */
export function PageNav({
  path,
  label,
  cursor,
  nextCursor,
  params = {},
}: {
  path: string;
  /** Names the list for screen readers: "Users pages". */
  label: string;
  /** This page's cursor (none on the first page). */
  cursor?: string;
  nextCursor: string | null;
  /** Other query parameters the links keep (a search). */
  params?: Record<string, string>;
}) {
  if (!cursor && !nextCursor) return null;
  const href = (extra: Record<string, string>) => {
    const text = new URLSearchParams({ ...params, ...extra }).toString();
    return text ? `${path}?${text}` : path;
  };
  return (
    <nav aria-label={label} className="flex items-center justify-between text-sm">
      {cursor ? (
        <Link href={href({})} className="text-sky-700 hover:underline dark:text-sky-300">
          ← First page
        </Link>
      ) : (
        <span />
      )}
      {nextCursor ? (
        <Link
          href={href({ cursor: nextCursor })}
          className="text-sky-700 hover:underline dark:text-sky-300"
          data-testid="next-page"
        >
          Next page →
        </Link>
      ) : null}
    </nav>
  );
}
