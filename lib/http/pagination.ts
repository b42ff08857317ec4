import { z } from "zod";
import { AppError, parseInput } from "@/lib/errors";

/**
 * Keyset pagination, the one way every list that can grow is paged (API
 * lists with `?limit=&cursor=`, admin pages with a "Next page" link): rows
 * in a fixed order on (sort key, id), newest first; the cursor names the last
 * row of a page and the next page starts strictly after it, so a page costs
 * the same at row 10 as at row 10 million (no OFFSET) and rows sharing a
 * timestamp are neither skipped nor repeated. The cursor is opaque to
 * callers (base64url JSON of the last row's key).
 */

export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

const CURSOR_SENTENCE = "This cursor is not one Ferry gave: start again from the first page.";

export const pageQuerySchema = z.object({
  limit: z.coerce
    .number({ error: "limit must be a number." })
    .int("limit must be a whole number.")
    .min(1, "limit must be at least 1.")
    .max(PAGE_MAX, `limit must be at most ${PAGE_MAX}.`)
    .default(PAGE_DEFAULT),
  cursor: z.string().max(300, CURSOR_SENTENCE).optional(),
});

export type PageQuery = { limit: number; cursor?: string };
export type Page<T> = { items: T[]; nextCursor: string | null };

/** `?limit=&cursor=` of a request URL (400 with the rule when wrong). */
export function pageQueryFrom(url: string | URL, defaults: { limit?: number } = {}): PageQuery {
  const params = new URL(url).searchParams;
  return parseInput(pageQuerySchema, {
    limit: params.get("limit") ?? defaults.limit ?? undefined,
    cursor: params.get("cursor") || undefined,
  });
}

/**
 * A page's `?cursor=` (its size is the page's own): a malformed cursor is
 * refused by the query that decodes it (400), like the API's.
 */
export function pageQueryFromSearch(
  params: Record<string, string | string[] | undefined>,
  limit = PAGE_DEFAULT,
): PageQuery {
  const raw = params.cursor;
  const cursor = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return parseInput(pageQuerySchema, { limit, cursor: cursor || undefined });
}

/** The key of a row in (time, id) order: its sort timestamp and its id. */
export type TimeKey = { at: Date; id: string };

export function encodeCursor(values: string[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

/** The values a cursor carries (`count` of them, strings), or a 400 naming the cursor. */
export function decodeCursor(cursor: string, count: number): string[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new AppError("bad_request", CURSOR_SENTENCE);
  }
  if (!Array.isArray(values) || values.length !== count || !values.every((v) => typeof v === "string")) {
    throw new AppError("bad_request", CURSOR_SENTENCE);
  }
  return values as string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeTimeCursor(key: TimeKey): string {
  return encodeCursor([key.at.toISOString(), key.id]);
}

export function decodeTimeCursor(cursor: string): TimeKey {
  const [at, id] = decodeCursor(cursor, 2);
  const date = new Date(at ?? "");
  if (Number.isNaN(date.getTime()) || !id || !UUID.test(id)) throw new AppError("bad_request", CURSOR_SENTENCE);
  return { at: date, id };
}

/**
 * The Prisma filter for the rows after `cursor` in (`field` desc, id desc)
 * order (empty without a cursor); pair with `timeKeyOrder(field)`.
 */
export function afterTimeCursor<F extends string>(
  field: F,
  cursor: string | undefined,
): { OR?: ({ [K in F]: { lt: Date } } | ({ [K in F]: Date } & { id: { lt: string } }))[] } {
  if (!cursor) return {};
  const key = decodeTimeCursor(cursor);
  return {
    OR: [
      { [field]: { lt: key.at } } as { [K in F]: { lt: Date } },
      { [field]: key.at, id: { lt: key.id } } as { [K in F]: Date } & { id: { lt: string } },
    ],
  };
}

export function timeKeyOrder<F extends string>(field: F): [{ [K in F]: "desc" }, { id: "desc" }] {
  return [{ [field]: "desc" } as { [K in F]: "desc" }, { id: "desc" }];
}

/**
 * A page from rows fetched with `take: limit + 1`: the first `limit`, and a
 * cursor after the last of them when there was one more.
 */
export function toPage<R, T = R>(rows: R[], limit: number, cursorOf: (row: R) => string, map?: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor = rows.length > limit && last !== undefined ? cursorOf(last) : null;
  return { items: map ? items.map(map) : (items as unknown as T[]), nextCursor };
}
