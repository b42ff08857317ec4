/**
 * Domain test: build visibility is one rule (the SQL views of migration
 * 20261206130000_visibility_views). For every combination of role, app
 * visibility, restricted channel and group membership, what the pages list
 * (Prisma, lib/builds/data.ts) and what an install link resolves to (raw SQL,
 * lib/install-links/resolve-install-token.ts) agree with each other and with
 * the truth table written out here. Real PostgreSQL, no server.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR } from "@/lib/access/actor";
import type { UserRole } from "@/lib/access/roles";
import { listAppsFor } from "@/lib/apps/data";
import { grantApp, setAppVisibility } from "@/lib/apps/mutations";
import { getBuildByIdFor, listBuildsFor } from "@/lib/builds/data";
import { listChannelsFor } from "@/lib/channels/data";
import { setChannelAccess } from "@/lib/channels/mutations";
import { requireAuthSecret } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { addGroupMember, createGroup } from "@/lib/groups/mutations";
import { signInstallToken } from "@/lib/install-links/install-token";
import { resolveInstallToken } from "@/lib/install-links/resolve-install-token";
import { findUserById, type UserDto } from "@/lib/users/data";
import { createUser, disableUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";
import { seedBuild } from "@/tests/helpers/seed-builds";

type Kind = UserRole | "disabled";
type AppVisibility = "everyone" | "groups";
type Membership = { appGroup: boolean; channelGroup: boolean };
type Case = { kind: Kind; visibility: AppVisibility; restricted: boolean } & Membership;

const KINDS: Kind[] = ["admin", "uploader", "member", "disabled"];
const VISIBILITIES: AppVisibility[] = ["everyone", "groups"];
const MEMBERSHIPS: Membership[] = [
  { appGroup: false, channelGroup: false },
  { appGroup: true, channelGroup: false },
  { appGroup: false, channelGroup: true },
  { appGroup: true, channelGroup: true },
];

/** The rule, written out independently of the code under test. */
function expected(c: Case): boolean {
  if (c.kind === "disabled") return false;
  if (c.kind === "admin") return true;
  const appVisible = c.visibility === "everyone" || c.appGroup;
  const channelVisible = !c.restricted || c.channelGroup;
  return appVisible && channelVisible;
}

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
/** One app (with one build, in one channel) per app visibility × restricted channel. */
const builds = new Map<string, { id: string; appId: string }>();
/** One user per kind × membership. */
const users = new Map<string, UserDto>();
const buildKey = (visibility: AppVisibility, restricted: boolean) => `${visibility}/${restricted}`;
const userKey = (kind: Kind, m: Membership) => `${kind}/${m.appGroup}/${m.channelGroup}`;

before(async () => {
  db = await useDomainDatabase();
  const owner = await createUser({ email: "owner@example.com", role: "admin" }, CLI_ACTOR);
  // The group apps are granted to, and the group restricted channels are granted to.
  const appGroup = await createGroup({ name: "app-group" }, CLI_ACTOR);
  const channelGroup = await createGroup({ name: "channel-group" }, CLI_ACTOR);
  for (const visibility of VISIBILITIES) {
    for (const restricted of [false, true]) {
      const bundleId = `com.example.${visibility}.${restricted ? "restricted" : "open"}`;
      const build = await seedBuild(db.dataDir, { bundleId, label: "1", uploadedById: owner.id, channel: "beta" });
      if (visibility === "everyone") await setAppVisibility({ appId: build.appId, visibility }, CLI_ACTOR);
      else await grantApp({ appId: build.appId, groupId: appGroup.id }, CLI_ACTOR);
      if (restricted) {
        await setChannelAccess({ appId: build.appId, channel: "beta", groupIds: [channelGroup.id] }, CLI_ACTOR);
      }
      builds.set(buildKey(visibility, restricted), { id: build.id, appId: build.appId });
    }
  }
  for (const kind of KINDS) {
    for (const m of MEMBERSHIPS) {
      const email = `${kind}-${m.appGroup ? "a" : ""}${m.channelGroup ? "c" : ""}@example.com`;
      const created = await createUser({ email, role: kind === "disabled" ? "member" : kind }, CLI_ACTOR);
      if (m.appGroup) await addGroupMember({ groupId: appGroup.id, email }, CLI_ACTOR);
      if (m.channelGroup) await addGroupMember({ groupId: channelGroup.id, email }, CLI_ACTOR);
      if (kind === "disabled") await disableUser({ userId: created.id }, CLI_ACTOR);
      const user = await findUserById(created.id);
      assert.ok(user);
      users.set(userKey(kind, m), user);
    }
  }
});
after(async () => db?.cleanup());

/** Whether an install link of `user` for `buildId` resolves (a refused or revoked link: false). */
async function installable(user: UserDto, buildId: string): Promise<boolean> {
  const token = signInstallToken(
    { buildId, userId: user.id, userVersion: user.sessionVersion, expiresAt: new Date(Date.now() + 600_000) },
    requireAuthSecret(),
  );
  try {
    const resolved = await resolveInstallToken(token);
    assert.equal(resolved.build.id, buildId);
    return true;
  } catch (error) {
    if (error instanceof AppError && (error.code === "not_found" || error.code === "forbidden")) return false;
    throw error;
  }
}

describe("build visibility: the pages and the install links apply one rule", () => {
  it("agrees with the truth table for every role × app visibility × restricted channel × membership", async () => {
    const rows: string[] = [];
    let visibleCount = 0;
    for (const kind of KINDS) {
      for (const m of MEMBERSHIPS) {
        const user = users.get(userKey(kind, m));
        assert.ok(user);
        const apps = await listAppsFor(user);
        for (const visibility of VISIBILITIES) {
          for (const restricted of [false, true]) {
            const c: Case = { kind, visibility, restricted, ...m };
            const build = builds.get(buildKey(visibility, restricted));
            assert.ok(build);
            const want = expected(c);
            if (want) visibleCount += 1;
            const listed = (await listBuildsFor(user, build.appId)).some((b) => b.id === build.id);
            const byId = (await getBuildByIdFor(user, build.id)) !== null;
            const counted = (apps.find((a) => a.id === build.appId)?.buildCount ?? 0) === 1;
            const channelShown = (await listChannelsFor(user, build.appId)).some((ch) => ch.latest?.id === build.id);
            const link = await installable(user, build.id);
            const got = { listed, byId, counted, channelShown, link };
            const agree = Object.values(got).every((v) => v === want);
            if (!agree) rows.push(`${JSON.stringify(c)} expected ${want}, got ${JSON.stringify(got)}`);
          }
        }
      }
    }
    assert.deepEqual(rows, [], `disagreements:\n${rows.join("\n")}`);
    // admin 4 memberships × 4 apps = 16; uploader and member: everyone/open 4 + everyone/restricted 2
    // + groups/open 2 + groups/restricted 1 = 9 each; disabled 0.
    assert.equal(visibleCount, 16 + 9 + 9);
  });

  it("a disabled user's copy saying otherwise does not matter: the database's row decides", async () => {
    const disabled = users.get(userKey("disabled", { appGroup: true, channelGroup: true }));
    const build = builds.get(buildKey("everyone", false));
    assert.ok(disabled && build);
    const stale: UserDto = { ...disabled, disabled: false, role: "admin" };
    assert.equal(await getBuildByIdFor(stale, build.id), null);
    assert.deepEqual(await listAppsFor(stale), []);
  });
});
