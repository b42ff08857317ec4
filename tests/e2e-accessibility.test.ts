/**
 * Every page, as the user who sees the most of it, in real Chromium in the
 * light and the dark colour scheme: axe-core (WCAG 2 A/AA rules) finds no
 * violation, nothing scrolls sideways on a 390 px phone, and the tokens
 * table's Revoke stays visible on a 1440 px desktop. The world is realistic:
 * an app with builds in two channels with Markdown notes, a restricted
 * channel, a device, tokens, audit rows and a webhook; an older version; an
 * ad hoc build the member's iPhone is missing from, with an App Store Connect
 * key and "Keep devices in sync" (Add my iPhone). Collapsed <details> (older
 * versions, first-launch help) are opened first, so their content is checked
 * too; a few states need a step first (`prepare`).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser } from "./helpers/browser";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { passwordSession } from "./helpers/session";
import { queryDatabase } from "./helpers/test-database";
import { embeddedProfile } from "./helpers/test-profile";

const AXE_SOURCE = fs.readFileSync(path.resolve(import.meta.dirname, "../node_modules/axe-core/axe.min.js"), "utf8");
const NOTES = [
  "## What's new",
  "",
  "- **Faster** sign-in",
  "- See [the changelog](https://example.com/changelog) and `code`",
  "",
  "A [bad link](javascript:alert(1)) stays text.",
].join("\n");

const UPLOADER = { email: "ulla.uploader@example.com", password: "uploader-pass-123", role: "uploader" as const };
const MEMBER = { email: "max.member@example.com", password: "member-pass-1234", role: "member" as const };
const RESTRICTED_CHANNEL = "insiders";

type Who = "anonymous" | "member" | "uploader" | "admin";
type Scheme = "light" | "dark";
type Violation = { id: string; impact: string | null; help: string; targets: string[] };

let server: FerryServer;
let browser: Browser;
let scratch: string;
const cookies = {} as Record<Who, string>;
let appId = "";
let buildId = "";
let betaBuildId = "";
let insidersBuildId = "";
let adHocBuildId = "";
let teamId = "";

async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return queryDatabase<T>(server.databaseUrl, text, params);
}

/** A profile about to expire, embedded in the newest build of channel "field-test": Admin → Signing offers to renew it. */
const EXPIRING_PROFILE_UUID = "7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

async function upload(
  token: string,
  label: string,
  channel: string,
  notes: string,
  options: { embeddedProfileUuid?: string } = {},
): Promise<{ id: string; appId: string }> {
  const file = path.join(scratch, `${label}.ipa`);
  await generateIpa(file, {
    bundleId: "com.example.field",
    version: "2.1",
    buildNumber: label,
    name: "Field Notes",
    padBytes: 256,
    extraFiles: options.embeddedProfileUuid
      ? [
          embeddedProfile("Field Notes", "com.example.field", {
            bundleId: "com.example.field",
            teamId: "FIELD12345",
            uuid: options.embeddedProfileUuid,
            name: "Field Notes Ad Hoc 2026",
            // Ad hoc: the member's iPhone is not in it, so its page offers "Add my iPhone".
            type: "ad-hoc",
          }),
        ]
      : [],
  });
  const form = new FormData();
  form.append("file", await fs.openAsBlob(file), "field.ipa");
  form.append("notes", notes);
  form.append("channel", channel);
  const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { build: { id: string; appId: string } }).build;
}

type Entry = { name: string; path: string; who: Who; prepare?: (page: Page) => Promise<void> };

/** Every page, with who visits it (the user who sees the most of it). */
function pages(): Entry[] {
  return [
    { name: "sign-in", path: "/sign-in", who: "anonymous" },
    { name: "sign-in with an error", path: "/sign-in?error=CredentialsSignin", who: "anonymous" },
    { name: "app list", path: "/", who: "member" },
    { name: "app page (install)", path: `/apps/${appId}`, who: "member" },
    { name: "app page as admin", path: `/apps/${appId}`, who: "admin" },
    { name: "build page", path: `/apps/${appId}/builds/${buildId}`, who: "uploader" },
    { name: "build page as admin", path: `/apps/${appId}/builds/${betaBuildId}`, who: "admin" },
    {
      name: "ad hoc build page: Add my iPhone, near Apple's yearly device limit",
      path: `/apps/${appId}/builds/${adHocBuildId}`,
      who: "member",
      prepare: async (page) => {
        await page.getByTestId("add-devices-button").waitFor();
        await page.getByTestId("add-devices-count").waitFor();
      },
    },
    {
      name: "ad hoc build page at Apple's yearly device limit: the reason instead of the button",
      path: `/apps/${appId}/builds/${adHocBuildId}`,
      who: "member",
      prepare: async (page) => {
        await sql("UPDATE asc_device_counts SET used = 100 WHERE kind = 'IPHONE'");
        try {
          await page.reload({ waitUntil: "load" });
          await page.waitForLoadState("networkidle");
          await page.getByTestId("add-devices-limit").waitFor();
        } finally {
          await sql("UPDATE asc_device_counts SET used = 97 WHERE kind = 'IPHONE'");
        }
      },
    },
    {
      name: "ad hoc build page as admin: add the missing devices, the re-sign preview",
      path: `/apps/${appId}/builds/${adHocBuildId}`,
      who: "admin",
      prepare: async (page) => {
        await page.getByTestId("add-devices-button").waitFor();
        // The preview of the chosen identity and profile has answered (its entitlement changes, or why not).
        await page
          .getByTestId("resign-preview")
          .getByText("Checking what this profile changes…")
          .waitFor({ state: "detached" });
      },
    },
    { name: "channel page", path: `/apps/${appId}/channels/beta`, who: "member" },
    { name: "restricted channel page", path: `/apps/${appId}/channels/${RESTRICTED_CHANNEL}`, who: "admin" },
    { name: "upload", path: "/upload", who: "uploader" },
    {
      name: "upload: confirm a new channel",
      path: "/upload",
      who: "uploader",
      prepare: async (page) => {
        await page.locator("#upload-channel").fill("prodution");
        await page.getByTestId("upload-create-channel").waitFor();
      },
    },
    { name: "devices", path: "/devices", who: "member" },
    { name: "tokens", path: "/settings/tokens", who: "member" },
    { name: "tokens of an uploader", path: "/settings/tokens", who: "uploader" },
    { name: "email notifications", path: "/settings/notifications", who: "member" },
    { name: "update keys", path: `/apps/${appId}/update-keys`, who: "admin" },
    { name: "app channels (rename, delete)", path: `/apps/${appId}/channels`, who: "admin" },
    {
      name: "delete a build (its confirmation step)",
      path: `/apps/${appId}/builds/${betaBuildId}/delete`,
      who: "admin",
    },
    { name: "unsubscribe (an email's link, signed out)", path: "/unsubscribe?token=forged", who: "anonymous" },
    { name: "admin users", path: "/admin/users", who: "admin" },
    { name: "admin groups", path: "/admin/groups", who: "admin" },
    { name: "admin group members", path: `/admin/groups/${teamId}`, who: "admin" },
    { name: "admin apps", path: "/admin/apps", who: "admin" },
    { name: "admin app webhooks", path: `/admin/apps/${appId}/webhooks`, who: "admin" },
    { name: "admin devices", path: "/admin/devices", who: "admin" },
    { name: "admin signing", path: "/admin/signing", who: "admin" },
    { name: "admin audit", path: "/admin/audit", who: "admin" },
    { name: "admin background jobs", path: "/admin/jobs", who: "admin" },
    { name: "admin settings", path: "/admin/settings", who: "admin" },
    { name: "not found", path: "/no-such-page", who: "member" },
    { name: "app not found", path: "/apps/00000000-0000-4000-8000-000000000000", who: "member" },
    {
      name: "build not found (no access)",
      path: `/apps/${appId}/builds/00000000-0000-4000-8000-000000000000`,
      who: "member",
    },
    {
      name: "a shared link to a build in a channel one cannot see (no access)",
      path: `/apps/${appId}/builds/${insidersBuildId}`,
      who: "member",
    },
    {
      name: "a shared link to a channel one cannot see (no access)",
      path: `/apps/${appId}/channels/${RESTRICTED_CHANNEL}`,
      who: "member",
    },
  ];
}

async function newContext(who: Who, scheme: Scheme, width: number): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width, height: 900 },
    colorScheme: scheme,
    reducedMotion: "reduce",
  });
  context.setDefaultTimeout(30_000);
  if (cookies[who]) {
    const [name, ...value] = cookies[who].split("=");
    await context.addCookies([{ name: name!, value: value.join("="), url: server.baseUrl }]);
  }
  return context;
}

async function open(page: Page, url: string): Promise<void> {
  const res = await page.goto(`${server.baseUrl}${url}`, { waitUntil: "load" });
  assert.ok(res, url);
  assert.ok(!page.url().includes("/sign-in") || url.startsWith("/sign-in"), `${url} redirected to sign-in`);
  // Client components (forms, local times) settle after hydration.
  await page.waitForLoadState("networkidle");
}

/** Opens the entry's page in the state to check: its step done, every <details> open. */
async function openEntry(page: Page, entry: Entry): Promise<void> {
  await open(page, entry.path);
  await entry.prepare?.(page);
  const opened = await page.evaluate(() => {
    const closed = [...document.querySelectorAll("details:not([open])")];
    for (const details of closed) (details as HTMLDetailsElement).open = true;
    return closed.length;
  });
  if (opened > 0) await page.waitForLoadState("networkidle");
}

async function axeViolations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.map(String).join(" ")),
    }));
  });
}

function describeViolations(found: { page: string; scheme: Scheme; violations: Violation[] }[]): string {
  const lines: string[] = [];
  for (const { page, scheme, violations } of found) {
    const count = violations.reduce((sum, v) => sum + v.targets.length, 0);
    lines.push(`${page} (${scheme}): ${count} node(s)`);
    for (const v of violations) {
      lines.push(`  ${v.id} [${v.impact}] ${v.help}`);
      for (const target of v.targets.slice(0, 8)) lines.push(`    ${target}`);
      if (v.targets.length > 8) lines.push(`    … and ${v.targets.length - 8} more`);
    }
  }
  return lines.join("\n");
}

before(
  async () => {
    server = await startFerry();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-a11y-"));
    await createUser(server, UPLOADER);
    await createUser(server, MEMBER);
    const adminToken = await createToken(server);
    await createToken(server, MEMBER.email);
    // The uploader's tokens as a CI set-up has them: a long name, both scopes, an expiry, used; and one revoked.
    const ciToken = await createToken(server, UPLOADER.email, ["--scopes", "upload,read", "--expires", "90d"]);
    await server.cli([
      "token",
      "create",
      "--email",
      UPLOADER.email,
      "--name",
      "GitHub Actions: release pipeline for Field Notes (iOS)",
      "--scopes",
      "upload,read",
      "--expires",
      "30d",
    ]);
    assert.equal(
      (await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${ciToken}` } })).status,
      200,
    );
    const old = await createToken(server, UPLOADER.email);
    await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${old}` } });

    // An older production build: the app page lists it under "Older versions".
    await upload(adminToken, "99", "production", "The first field build.");
    const stable = await upload(adminToken, "100", "production", NOTES);
    appId = stable.appId;
    buildId = stable.id;
    betaBuildId = (await upload(adminToken, "101", "beta", `${NOTES}\n\nBeta only.`)).id;
    insidersBuildId = (await upload(adminToken, "102", RESTRICTED_CHANNEL, "Insiders only.")).id;
    adHocBuildId = (
      await upload(adminToken, "103", "field-test", "Field test.", { embeddedProfileUuid: EXPIRING_PROFILE_UUID })
    ).id;

    // The member and the uploader reach the app through a group; the uploader may upload to it.
    const [team] = await sql<{ id: string }>(
      "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Field team') RETURNING id",
    );
    const users = await sql<{ id: string; email: string }>("SELECT id, email FROM users");
    const idOf = (email: string) => users.find((u) => u.email === email)!.id;
    for (const email of [MEMBER.email, UPLOADER.email]) {
      await sql("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)", [team!.id, idOf(email)]);
    }
    await sql("INSERT INTO app_groups (app_id, group_id) VALUES ($1, $2)", [appId, team!.id]);
    teamId = team!.id;
    await sql("UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND expires_at IS NULL", [
      idOf(UPLOADER.email),
    ]);
    const [insiders] = await sql<{ id: string }>(
      "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Insiders') RETURNING id",
    );
    await sql("UPDATE channels SET restricted = true WHERE app_id = $1 AND name = $2", [appId, RESTRICTED_CHANNEL]);
    await sql(
      "INSERT INTO channel_groups (channel_id, group_id) SELECT id, $3 FROM channels WHERE app_id = $1 AND name = $2",
      [appId, RESTRICTED_CHANNEL, insiders!.id],
    );
    await sql(
      "INSERT INTO devices (id, user_id, udid, name, model, os_version, source, updated_at) VALUES (gen_random_uuid(), $1, $2, 'Max’s iPhone', 'iPhone15,2', '17.5', 'profile', now())",
      [idOf(MEMBER.email), "00008110-000A1B2C3D4E5F60"],
    );
    // What the signing page lists (it never reads a key: the rows need none that decrypts).
    await sql(
      `INSERT INTO signing_identities (id, common_name, team_id, serial, not_after, fingerprint, certificate, encrypted_key)
       VALUES (gen_random_uuid(), 'Apple Distribution: Field Notes Inc. (FIELD12345)', 'FIELD12345', '5A1B2C3D4E5F60718293',
               now() + interval '200 days', 'AB12', '\\x00', '\\x00'),
              (gen_random_uuid(), 'iPhone Distribution: Field Notes Inc. (FIELD12345)', 'FIELD12345', '0102',
               now() - interval '3 days', 'CD34', '\\x00', '\\x00')`,
    );
    await sql(
      `INSERT INTO signing_profiles (id, uuid, name, type, team_id, app_id_pattern, certificate_fingerprints, devices, not_after, data)
       VALUES (gen_random_uuid(), '6f1e2d3c-4b5a-4c6d-8e7f-8a9b0c1d2e3f', 'Field Notes Ad Hoc', 'ad-hoc', 'FIELD12345',
               'com.example.field', '{AB12}', '{00008110-000A1B2C3D4E5F60}', now() + interval '300 days', '\\x00'),
              (gen_random_uuid(), $1, 'Field Notes Ad Hoc 2026', 'ad-hoc', 'FIELD12345',
               'com.example.field', '{AB12}', '{00008110-000A1B2C3D4E5F60}', now() + interval '10 days', '\\x00')`,
      [EXPIRING_PROFILE_UUID],
    );
    // An App Store Connect key (never decrypted by these pages) and "Keep devices in sync" for the app.
    await sql(
      "INSERT INTO app_store_connect_keys (id, issuer_id, key_id, encrypted_key) VALUES (gen_random_uuid(), '69a6de70-03db-47e3-e053-5b8c7c11a4d1', 'FIELDKEY12', '\\x00')",
    );
    await sql(
      "INSERT INTO app_device_syncs (app_id, identity_id, profile_type) SELECT $1, id, 'ad-hoc' FROM signing_identities WHERE fingerprint = 'AB12'",
      [appId],
    );
    // The last "Test connection" counted 97 iPhones: the member's panel shows the count.
    await sql("INSERT INTO asc_device_counts (kind, used) VALUES ('IPHONE', 97)");
    await sql(
      "INSERT INTO webhooks (id, app_id, url, secret, events, format) VALUES (gen_random_uuid(), $1, 'https://chat.example.com/hooks/ferry', 'whsec-test-secret', ARRAY['build.created'], 'slack')",
      [appId],
    );
    // The jobs page has a row: a re-sign that failed for good, with its error.
    await sql(
      `INSERT INTO jobs (id, kind, status, attempts, max_attempts, error, finished_at)
       VALUES (gen_random_uuid(), 'build.resign', 'failed', 3, 3, '{"code":"internal","message":"The job failed on our side."}', now())`,
    );
    // The member watches the app (their settings list it, the app page offers Unwatch); the app has an update key.
    await sql("INSERT INTO watches (user_id, app_id) VALUES ($1, $2)", [idOf(MEMBER.email), appId]);
    await sql(
      "INSERT INTO app_update_keys (app_id, name, key_hash, prefix) VALUES ($1, 'iOS app 3.x', md5(random()::text), 'abcd1234')",
      [appId],
    );

    for (const [who, account] of [
      ["member", MEMBER],
      ["uploader", UPLOADER],
      ["admin", server.admin],
    ] as const) {
      const cookie = await passwordSession(server.baseUrl, account.email, account.password);
      assert.ok(cookie, `sign-in as ${account.email}`);
      cookies[who] = cookie;
    }
    cookies.anonymous = "";
    // A refused sign-in, so the audit log shows a failure too.
    assert.equal(await passwordSession(server.baseUrl, MEMBER.email, "wrong-password"), null);
    browser = await launchBrowser();
  },
  { timeout: 240_000 },
);

after(
  async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  },
  { timeout: 60_000 },
);

describe("accessibility of every page (Chromium, light and dark)", () => {
  for (const scheme of ["light", "dark"] as const) {
    test(`no axe violation and no sideways scrolling at 390 px (${scheme})`, { timeout: 300_000 }, async () => {
      const found: { page: string; scheme: Scheme; violations: Violation[] }[] = [];
      const overflowing: string[] = [];
      for (const who of ["anonymous", "member", "uploader", "admin"] as const) {
        const context = await newContext(who, scheme, 390);
        const page = await context.newPage();
        for (const entry of pages().filter((p) => p.who === who)) {
          await openEntry(page, entry);
          const widths = await page.evaluate(() => {
            // The outermost elements reaching past the right edge: what to fix (not those inside a scroll box).
            // (No named functions in here: tsx would wrap them in a helper the page does not have.)
            const past = [...document.querySelectorAll("body *")].filter((el) => {
              if (el.getBoundingClientRect().right <= window.innerWidth + 0.5) return false;
              if (el.parentElement?.closest("[data-past]")) return false;
              for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                if (["auto", "scroll", "hidden"].includes(getComputedStyle(up).overflowX)) return false;
              }
              return true;
            });
            const names = past.slice(0, 3).map((el) => {
              el.setAttribute("data-past", "");
              return `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} (right ${Math.round(el.getBoundingClientRect().right)})`;
            });
            return { scroll: document.scrollingElement?.scrollWidth ?? 0, inner: window.innerWidth, names };
          });
          if (widths.scroll > widths.inner) {
            overflowing.push(
              `${entry.name}: ${widths.scroll} px wide on ${widths.inner} px: ${widths.names.join(", ")}`,
            );
          }
          const violations = await axeViolations(page);
          if (violations.length > 0) found.push({ page: `${entry.name} ${entry.path}`, scheme, violations });
        }
        await context.close();
      }
      // One failure message with both lists, so one run shows all that is left to fix.
      const problems = [
        ...(overflowing.length > 0 ? [`pages wider than a 390 px phone (${scheme}):\n${overflowing.join("\n")}`] : []),
        ...(found.length > 0 ? [`axe violations:\n${describeViolations(found)}`] : []),
      ];
      assert.deepEqual(problems, [], problems.join("\n\n"));
    });

    test(`no axe violation at 1440 px (${scheme})`, { timeout: 300_000 }, async () => {
      const found: { page: string; scheme: Scheme; violations: Violation[] }[] = [];
      for (const who of ["anonymous", "member", "uploader", "admin"] as const) {
        const context = await newContext(who, scheme, 1440);
        const page = await context.newPage();
        for (const entry of pages().filter((p) => p.who === who)) {
          await openEntry(page, entry);
          const violations = await axeViolations(page);
          if (violations.length > 0) found.push({ page: `${entry.name} ${entry.path}`, scheme, violations });
        }
        await context.close();
      }
      assert.equal(found.length, 0, `axe violations:\n${describeViolations(found)}`);
    });
  }

  test("the build page's notes editor keeps its contrast while editing (dark)", { timeout: 60_000 }, async () => {
    const context = await newContext("admin", "dark", 390);
    const page = await context.newPage();
    await open(page, `/apps/${appId}/builds/${buildId}`);
    const notes = page.getByLabel("Release notes (Markdown)");
    await notes.focus();
    await notes.fill("Edited **notes**");
    const violations = await axeViolations(page);
    await context.close();
    assert.deepEqual(
      violations,
      [],
      describeViolations([{ page: "build page, editing notes", scheme: "dark", violations }]),
    );
  });

  test("the tokens table shows Revoke at 1440 px", { timeout: 60_000 }, async () => {
    const context = await newContext("uploader", "light", 1440);
    const page = await context.newPage();
    await open(page, "/settings/tokens");
    const revoke = page.getByRole("button", { name: /Revoke/ }).first();
    await revoke.waitFor();
    const box = await revoke.boundingBox();
    const visible = await revoke.evaluate((el) => {
      const r = el.getBoundingClientRect();
      // Not clipped by a scrolling ancestor: the point at its centre is the button itself.
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit !== null && (hit === el || el.contains(hit));
    });
    await context.close();
    assert.ok(box && box.x + box.width <= 1440, `Revoke at x=${box?.x} w=${box?.width}`);
    assert.ok(visible, "Revoke is hidden (clipped by its table's scroll box)");
  });

  test("release notes on the app page are rendered Markdown; a javascript: link is plain text", {
    timeout: 60_000,
  }, async () => {
    const context = await newContext("member", "light", 390);
    const page = await context.newPage();
    for (const url of [`/apps/${appId}`, `/apps/${appId}/builds/${buildId}`, `/apps/${appId}/channels/production`]) {
      await open(page, url);
      const text = (await page.locator("main").textContent()) ?? "";
      assert.doesNotMatch(text, /\*\*Faster\*\*|## What's new/, `${url} shows raw Markdown`);
      assert.equal(
        (await page.locator("main strong", { hasText: "Faster" }).count()) > 0,
        true,
        `${url}: **Faster** is bold`,
      );
      assert.equal(await page.locator('main a[href^="javascript:" i]').count(), 0, `${url} has a javascript: link`);
      assert.match(text, /A bad link stays text\./, `${url}: the javascript: link is its text`);
      assert.doesNotMatch(text, /alert\(1\)|bad\)/, url);
    }
    await context.close();
  });
});
