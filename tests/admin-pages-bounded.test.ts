/**
 * Issue 21: the admin's Apps and Groups pages stay bounded however many
 * groups, apps and members there are. With 60 groups, 30 apps and a group of
 * 30 members, neither page lists every group, app or member (they were a
 * checkbox per group per channel, an option per app per group and every
 * member); a grant and a channel's access take a group or app by name. The
 * group's own page lists every member a page at a time, each removable.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MEMBERS_SHOWN } from "@/lib/groups/data";
import { type FerryServer, startFerry } from "./helpers/ferry-server";
import { parseForms, plainFormAction, postPlainForm } from "./helpers/server-actions";
import { passwordSession } from "./helpers/session";
import { queryDatabase } from "./helpers/test-database";

const GROUPS = 60;
const APPS = 30;
const MEMBERS = 30;
const pad = (n: number) => String(n).padStart(2, "0");
const groupName = (n: number) => `bounded-group-${pad(n)}`;
const bundleId = (n: number) => `com.example.bounded.app${pad(n)}`;

let server: FerryServer;
let admin: string;

async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return queryDatabase<T>(server.databaseUrl, text, params);
}

async function page(path: string): Promise<string> {
  const res = await fetch(`${server.baseUrl}${path}`, { headers: { cookie: admin } });
  assert.equal(res.status, 200, path);
  return res.text();
}

const count = (html: string, pattern: RegExp) => html.match(pattern)?.length ?? 0;

before(async () => {
  server = await startFerry();
  admin = (await passwordSession(server.baseUrl, server.admin.email, server.admin.password)) ?? "";
  assert.ok(admin, "the admin signs in");
  await sql(
    "INSERT INTO groups (id, name) SELECT gen_random_uuid(), 'bounded-group-' || lpad(n::text, 2, '0') FROM generate_series(0, $1::int - 1) n",
    [GROUPS],
  );
  await sql(
    `INSERT INTO apps (id, bundle_id, name, updated_at)
     SELECT gen_random_uuid(), 'com.example.bounded.app' || lpad(n::text, 2, '0'), 'Bounded ' || lpad(n::text, 2, '0'), now()
     FROM generate_series(0, $1::int - 1) n`,
    [APPS],
  );
  await sql(
    `INSERT INTO users (id, email, updated_at)
     SELECT gen_random_uuid(), 'bounded-member-' || lpad(n::text, 2, '0') || '@example.com', now()
     FROM generate_series(0, $1::int - 1) n`,
    [MEMBERS],
  );
  await sql(
    `INSERT INTO group_members (group_id, user_id)
     SELECT g.id, u.id FROM groups g, users u WHERE g.name = $1 AND u.email LIKE 'bounded-member-%'`,
    [groupName(0)],
  );
});
after(async () => {
  await server?.stop();
});

describe("admin pages at scale", () => {
  test("the Apps page lists no group that is not granted, and no checkbox per group", async () => {
    const html = await page("/admin/apps");
    assert.match(html, /data-testid="app-access"/);
    const named = count(html, /bounded-group-\d\d/g);
    assert.equal(named, 0, "no group is listed: none is granted");
    assert.equal(count(html, /name="groupId"/g), 0, "no checkbox or option per group");
    assert.ok(count(html, /name="groupName"/g) > 0, "each card names a group to grant instead");
  });

  test("the Groups page shows a group's member count and only its first members, and no option per app", async () => {
    const html = await page("/admin/groups");
    assert.match(html, new RegExp(`Members \\(<!-- -->${MEMBERS}<!-- -->\\)|Members \\(${MEMBERS}\\)`));
    // Distinct: the page's RSC payload repeats what the HTML shows.
    const members = new Set(html.match(/bounded-member-\d\d@example\.com/g)).size;
    assert.ok(
      members > 0 && members <= MEMBERS_SHOWN,
      `the first ${MEMBERS_SHOWN} members at most, not all ${MEMBERS}: ${members}`,
    );
    assert.match(html, /data-testid="group-members-more"/);
    const [group] = await sql<{ id: string }>("SELECT id FROM groups WHERE name = $1", [groupName(0)]);
    assert.match(html, new RegExp(`href="/admin/groups/${group?.id}"[^>]*>All <!-- -->${MEMBERS}<!-- --> members`));
    assert.equal(count(html, /com\.example\.bounded\.app/g), 0, "no app is listed: none is granted");
    assert.equal(count(html, /<option/g), 0, "no option per app");
    assert.ok(count(html, /name="appName"/g) > 0, "each card names an app to grant instead");
  });

  test("grants and channel access take a group or app by name; unknown names are refused", async () => {
    const [app] = await sql<{ id: string }>("SELECT id FROM apps WHERE bundle_id = $1", [bundleId(7)]);
    const [group] = await sql<{ id: string }>("SELECT id FROM groups WHERE name = $1", [groupName(42)]);
    const appId = app?.id ?? "";
    const groupId = group?.id ?? "";
    // The apps page's plain-post forms (lib/apps/forms.ts): 303 back on success, the page with the error (422) if not.
    const post = async (action: string, fields: [string, string][]) => {
      const res = await postPlainForm(server.baseUrl, {
        path: "/admin/apps",
        fields: [["_action", action], ...fields],
        cookie: admin,
      });
      if (res.status === 303) return "ok";
      assert.equal(res.status, 422, res.html.slice(0, 300));
      return /data-testid="form-error"[^>]*>([^<]*)</.exec(res.html)?.[1] ?? "no error shown";
    };
    const grant = (fields: [string, string][]) => post("grant-app", fields);

    assert.equal(
      await grant([
        ["appId", appId],
        ["groupName", "no-such-group"],
      ]),
      "No group is named no-such-group.",
    );
    assert.equal(
      await grant([
        ["appId", appId],
        ["groupName", ` ${groupName(42)} `],
      ]),
      "ok",
    );
    assert.equal(
      await grant([
        ["groupId", groupId],
        ["appName", bundleId(8)],
      ]),
      "ok",
    );
    assert.equal(
      await grant([
        ["groupId", groupId],
        ["appName", "Bounded 09"],
      ]),
      "ok",
    );
    const granted = await sql<{ bundle_id: string }>(
      "SELECT a.bundle_id FROM app_groups ag JOIN apps a ON a.id = ag.app_id WHERE ag.group_id = $1 ORDER BY 1",
      [groupId],
    );
    assert.deepEqual(
      granted.map((r) => r.bundle_id),
      [bundleId(7), bundleId(8), bundleId(9)],
    );

    const access = (fields: [string, string][]) =>
      post("channel-access", [["appId", appId], ["channel", "beta"], ...fields]);
    assert.equal(await access([["addGroupName", "no-such-group"]]), "No group is named no-such-group.");
    assert.equal(await access([["addGroupName", groupName(42)]]), "ok");
    assert.equal(
      await access([
        ["groupId", groupId],
        ["addGroupName", groupName(43)],
      ]),
      "ok",
    );
    const restrictedTo = await sql<{ name: string }>(
      `SELECT g.name FROM channel_groups cg JOIN channels c ON c.id = cg.channel_id JOIN groups g ON g.id = cg.group_id
       WHERE c.app_id = $1 AND c.name = 'beta' ORDER BY 1`,
      [appId],
    );
    assert.deepEqual(
      restrictedTo.map((r) => r.name),
      [groupName(42), groupName(43)],
    );

    // The page now lists the granted group and the channel's two, still not every group.
    const html = await page("/admin/apps");
    assert.ok(count(html, /name="addGroupName"/g) > 0, "the channel names a group to add instead of a box per group");
    const listed = new Set(html.match(/bounded-group-\d\d/g));
    assert.deepEqual([...listed].sort(), [groupName(42), groupName(43)]);
  });

  test("a group's page lists all its members across pages, filters by email prefix, and removes one from page 2", async () => {
    const [group] = await sql<{ id: string }>("SELECT id FROM groups WHERE name = $1", [groupName(0)]);
    const path = `/admin/groups/${group?.id}`;
    const emailsOf = (html: string) => new Set(html.match(/bounded-member-\d\d@example\.com/g));
    const nextOf = (html: string) =>
      /href="([^"]*\?cursor=[^"]+)"/.exec(/<a\b[^>]*data-testid="next-page"[^>]*>/.exec(html)?.[0] ?? "")?.[1];

    const first = await page(path);
    const firstEmails = emailsOf(first);
    const next = nextOf(first)?.replaceAll("&amp;", "&") ?? "";
    assert.ok(next.startsWith(`${path}?cursor=`), "page 1 links to page 2");
    const second = await page(next);
    const secondEmails = emailsOf(second);
    assert.equal(nextOf(second), undefined, "page 2 is the last");
    assert.ok(firstEmails.size > 20 && firstEmails.size < MEMBERS, `page 1: ${firstEmails.size}`);
    assert.equal([...secondEmails].filter((e) => firstEmails.has(e)).length, 0, "no member on both pages");
    assert.equal(firstEmails.size + secondEmails.size, MEMBERS, "every member on one page or the other");

    const filtered = emailsOf(await page(`${path}?email=BOUNDED-member-2`));
    assert.deepEqual(
      [...filtered].sort(),
      Array.from({ length: 10 }, (_, n) => `bounded-member-${20 + n}@example.com`),
    );

    // Page 2's Remove is the card's own form, and it works from here: back to page 2, with the outcome shown once.
    const removes = parseForms(second).filter((f) => plainFormAction(f) === "remove-member");
    assert.equal(removes.length, secondEmails.size, "a Remove per member");
    const remove = removes[0]!;
    const userId = remove.fields.find(([name]) => name === "userId")![1];
    const [user] = await sql<{ email: string }>("SELECT email FROM users WHERE id = $1", [userId]);
    assert.ok(user && secondEmails.has(user.email), "the form removes a member shown on page 2");
    const removed = await postPlainForm(server.baseUrl, { path: next, fields: remove.fields, cookie: admin });
    assert.equal(`${removed.status} ${removed.location}`, `303 ${next}`);
    const flash = removed.cookies.find((c) => c.startsWith("ferry-flash="))?.split(";")[0] ?? "";
    const shown = await fetch(`${server.baseUrl}${next}`, { headers: { cookie: `${admin}; ${flash}` } });
    assert.match(
      await shown.text(),
      new RegExp(`Removed ${user.email.replaceAll(".", "\\.")} from ${groupName(0)}\\.`),
    );
    const left = await sql<{ n: number }>("SELECT count(*)::int AS n FROM group_members WHERE group_id = $1", [
      group?.id,
    ]);
    assert.equal(left[0]?.n, MEMBERS - 1);
    const again = emailsOf(await page(next));
    assert.ok(!again.has(user.email), "gone from page 2");
    assert.equal(again.size, secondEmails.size - 1);
  });

  test("a group id that does not exist is the usual not-found", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "no-such-group"]) {
      const res = await fetch(`${server.baseUrl}/admin/groups/${id}`, { headers: { cookie: admin } });
      assert.equal(res.status, 404, id);
      await res.text();
    }
  });
});
