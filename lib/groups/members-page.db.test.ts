/** Domain tests: a group's members page by page (Admin → Groups → a group), against a real database. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Actor, CLI_ACTOR, userActor } from "@/lib/access/actor";
import { AppError } from "@/lib/errors";
import { type GroupMemberDto, listGroupMembersPage } from "@/lib/groups/data";
import { createGroup } from "@/lib/groups/mutations";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let admin: Actor;
let uploader: Actor;
let member: Actor;
let groupId: string;
let otherGroupId: string;
const context = { ip: null, userAgent: null };
const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

// Emails that sort close together (a shared prefix, punctuation, a prefix of another), all added at the same instant.
const EMAILS = [
  "a@example.com",
  "a.b@example.com",
  "a-b@example.com",
  "ab@example.com",
  "abc@example.com",
  "b@example.com",
  "team.lead@example.com",
  "team@example.com",
  "zed@example.com",
];

before(async () => {
  db = await useDomainDatabase();
  admin = userActor(await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR), context);
  uploader = userActor(await createUser({ email: "up@example.com", role: "uploader" }, CLI_ACTOR), context);
  member = userActor(await createUser({ email: "member@example.com" }, CLI_ACTOR), context);
  groupId = (await createGroup({ name: "Everyone" }, admin)).id;
  otherGroupId = (await createGroup({ name: "Others" }, admin)).id;
  for (const email of EMAILS) await createUser({ email }, CLI_ACTOR);
  await db.query(
    `INSERT INTO group_members (group_id, user_id, created_at)
     SELECT $1, id, '2026-12-01T00:00:00Z' FROM users WHERE email = ANY($2)`,
    [groupId, EMAILS],
  );
  // Members of another group (and people in none) are never listed.
  await db.query(
    "INSERT INTO group_members (group_id, user_id) SELECT $1, id FROM users WHERE email IN ('up@example.com', 'a@example.com')",
    [otherGroupId],
  );
});
after(async () => db?.cleanup());

/** Every page of size `limit`, following the cursors. */
async function allPages(limit: number, emailPrefix = ""): Promise<GroupMemberDto[][]> {
  const pages: GroupMemberDto[][] = [];
  let cursor: string | undefined;
  do {
    const page = await listGroupMembersPage(admin, groupId, { limit, cursor }, emailPrefix);
    assert.ok(page, "the group exists");
    assert.equal(page.group.name, "Everyone");
    pages.push(page.items);
    cursor = page.nextCursor ?? undefined;
    assert.ok(pages.length <= EMAILS.length + 1, "the cursors end");
  } while (cursor);
  return pages;
}

describe("a group's members, page by page", () => {
  it("pages of every size list each member exactly once, in the database's email order", async () => {
    const [{ emails }] = (await db.query<{ emails: string[] }>(
      "SELECT array_agg(u.email ORDER BY u.email) AS emails FROM group_members gm JOIN users u ON u.id = gm.user_id WHERE gm.group_id = $1",
      [groupId],
    )) as [{ emails: string[] }];
    assert.equal(emails.length, EMAILS.length);
    for (const limit of [1, 2, 4, EMAILS.length - 1, EMAILS.length, 50]) {
      const pages = await allPages(limit);
      assert.deepEqual(
        pages.flat().map((m) => m.email),
        emails,
        `limit ${limit}`,
      );
      assert.ok(
        pages.every((p) => p.length > 0 && p.length <= limit),
        `no empty or oversized page at limit ${limit}`,
      );
      assert.equal(pages.length, Math.ceil(EMAILS.length / limit), `limit ${limit}`);
    }
    const first = await listGroupMembersPage(admin, groupId, { limit: 4 });
    assert.equal(first?.total, EMAILS.length, "the total counts every member, not the page");
  });

  it("filters by email prefix (any case), with its own total, and pages within the filter", async () => {
    const filtered = (await allPages(1, "A")).flat().map((m) => m.email);
    // The database's collation orders them: the same order as the unfiltered list's.
    const all = (await allPages(50)).flat().map((m) => m.email);
    assert.deepEqual(
      filtered,
      all.filter((e) => e.startsWith("a")),
    );
    assert.equal(filtered.length, 5);
    const team = await listGroupMembersPage(admin, groupId, { limit: 1 }, " team ");
    assert.equal(team?.total, 2);
    assert.equal(team?.items.length, 1);
    assert.ok(team?.nextCursor);
    const none = await listGroupMembersPage(admin, groupId, { limit: 5 }, "nobody");
    assert.deepEqual([none?.items, none?.total, none?.nextCursor], [[], 0, null]);
  });

  it("is for admins only; an unknown or malformed group id is null; a forged cursor is a 400", async () => {
    for (const who of [uploader, member, null]) {
      await assert.rejects(listGroupMembersPage(who, groupId, { limit: 5 }), isCode("forbidden"));
    }
    assert.equal(await listGroupMembersPage(admin, "00000000-0000-4000-8000-000000000000", { limit: 5 }), null);
    assert.equal(await listGroupMembersPage(admin, "not-a-uuid", { limit: 5 }), null);
    await assert.rejects(listGroupMembersPage(admin, groupId, { limit: 5, cursor: "%%%" }), isCode("bad_request"));
    const other = await listGroupMembersPage(admin, otherGroupId, { limit: 5 });
    assert.deepEqual(other?.items.map((m) => m.email).sort(), ["a@example.com", "up@example.com"]);
  });
});
