import { authorize, type Who } from "@/lib/access/policy";
import { type AuditEventDto, searchAudit } from "@/lib/audit/audit";
import { findUserByEmail } from "@/lib/users/data";

/**
 * The audit page's search: searchAudit, plus, when the query is a user's
 * email, the events whose target is that user (admin changes record the
 * user's id as the target, which a text search for the email cannot match).
 * Newest first, at most `limit`, paged by `before` like searchAudit.
 */
export async function searchAuditForAdmin(
  who: Who,
  filter: {
    query?: string;
    action?: string;
    before?: bigint;
    limit: number;
  },
): Promise<AuditEventDto[]> {
  authorize(who, "audit.read");
  const query = filter.query?.trim();
  const user = query?.includes("@") ? await findUserByEmail(query) : null;
  const [byText, byTarget] = await Promise.all([
    searchAudit(who, { ...filter, query }),
    user ? searchAudit(who, { ...filter, query: user.id }) : Promise.resolve([]),
  ]);
  if (byTarget.length === 0) return byText;
  const merged = new Map<string, AuditEventDto>();
  for (const event of [...byText, ...byTarget]) merged.set(event.id, event);
  return [...merged.values()]
    .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0))
    .slice(0, filter.limit);
}
