/**
 * Who may call which server action (every "use server" file under app/: the
 * admin pages, the API token page and the build page's manage panel):
 * each role (anonymous, member without access, member with access, uploader,
 * admin, disabled user) against its own app (granted to its group) and a
 * foreign app (restricted, granted to nobody). Cross-app ids must not leak.
 *
 * Server actions are replayed over HTTP exactly as a browser sends them (with
 * JavaScript: the Next-Action header; without: the form's own fields), as
 * every role, with fields that succeed for an admin; a refused call must leave
 * the database exactly as it was.
 */
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import pg from "pg";
import { AUDIT_ACTIONS } from "@/lib/audit/audit-actions";
import { hashPassword } from "@/lib/auth/password";
import {
  ACCOUNT_ROLE,
  type Actor,
  actors,
  foreign,
  ipaFor,
  own,
  page,
  RESTRICTED_CHANNEL,
  ROLES,
  type Role,
  restricted,
  setUpWorld,
  signIn,
  sql,
  uploadAs,
  world,
} from "./helpers/authorization-world";
import { ROOT } from "./helpers/ferry-server";
import {
  type ActionResponse,
  csrfPair as csrfPairOf,
  exportedServerActions,
  findUseServerFiles,
  type HtmlForm,
  invokeAction,
  parseForms,
  plainFormAction,
  postPlainForm,
  type ServerActionRef,
  serverActionIds,
  submitFormWithoutJs,
  userFields,
  withFields,
} from "./helpers/server-actions";

setUpWorld();

/** Every "use server" file under app/ (whatever its name), so a new action cannot go without a case. */
function actionFiles(): string[] {
  return [...findUseServerFiles(ROOT, "app"), ...findUseServerFiles(ROOT, "lib")].sort();
}

describe("server actions", () => {
  const USERS = "/admin/users";
  const GROUPS = "/admin/groups";
  const APPS = "/admin/apps";
  const SETTINGS = "/admin/settings";
  const TOKENS = "/settings/tokens";
  const DEVICES = "/admin/devices";
  /** The own build's page (its manage panel is rendered for admins and the app's uploaders). */
  const ownBuildPage = () => `/apps/${own().appId}/builds/${own().buildId}`;
  /** The own app's channels page (rename, delete): admins and the app's uploaders; 404 for everyone else. */
  const ownChannels = () => `/apps/${own().appId}/channels`;
  /** Admins replay last, so every refused attempt meets the state the admin's valid request then changes. */
  const ORDER: Role[] = [...ROLES.filter((r) => r !== "admin"), "admin"];

  /** Audit actions that record a change (not a download, an upload or a sign-in): a refused attempt must not add one. */
  const CHANGE_AUDIT_ACTIONS = AUDIT_ACTIONS.filter(
    (a) => !/^(install_page|manifest|ipa|sign_in)\./.test(a) && a !== "build.upload",
  );

  /** Everything an admin or token action can change, table by table. */
  async function snapshot(): Promise<Record<string, unknown>> {
    const [row] = await read<{ state: Record<string, unknown> }>(
      `SELECT json_build_object(
        'users', (SELECT json_agg(json_build_object('id', id, 'email', email, 'name', name, 'role', role,
          'disabled_at', disabled_at, 'session_version', session_version, 'password_hash', password_hash,
          'oidc_subject', oidc_subject) ORDER BY email) FROM users),
        'groups', (SELECT json_agg(json_build_object('id', id, 'name', name, 'description', description)
          ORDER BY name) FROM groups),
        'group_members', (SELECT json_agg(json_build_object('group', group_id, 'user', user_id)
          ORDER BY group_id, user_id) FROM group_members),
        'app_groups', (SELECT json_agg(json_build_object('app', app_id, 'group', group_id)
          ORDER BY app_id, group_id) FROM app_groups),
        'apps', (SELECT json_agg(json_build_object('id', id, 'visibility', visibility, 'name', name,
          'description', description, 'retain_per_channel', retain_per_channel) ORDER BY id) FROM apps),
        'builds', (SELECT json_agg(json_build_object('id', id, 'notes', notes) ORDER BY id) FROM builds),
        'channels', (SELECT json_agg(json_build_object('id', id, 'app', app_id, 'name', name, 'restricted', restricted)
          ORDER BY id) FROM channels),
        'channel_groups', (SELECT json_agg(json_build_object('channel', channel_id, 'group', group_id)
          ORDER BY channel_id, group_id) FROM channel_groups),
        'build_channels', (SELECT json_agg(json_build_object('build', build_id, 'channel', channel_id)
          ORDER BY build_id, channel_id) FROM build_channels),
        'settings', (SELECT json_agg(json_build_object('key', key, 'value', value) ORDER BY key) FROM settings),
        'api_tokens', (SELECT json_agg(json_build_object('id', id, 'user', user_id, 'name', name, 'scopes', scopes,
          'expires_at', expires_at, 'revoked_at', revoked_at) ORDER BY id) FROM api_tokens),
        'devices', (SELECT json_agg(json_build_object('id', id, 'udid', udid, 'user', user_id, 'name', name,
          'disabled_at', disabled_at) ORDER BY id) FROM devices),
        'webhooks', (SELECT json_agg(json_build_object('id', id, 'app', app_id, 'url', url, 'secret', secret,
          'events', events, 'format', format, 'enabled', enabled) ORDER BY id) FROM webhooks),
        -- Rows only (not their attempts): the delivery worker may retry one while an action is replayed.
        'webhook_deliveries', (SELECT json_agg(json_build_object('id', id, 'webhook', webhook_id, 'event', event)
          ORDER BY id) FROM webhook_deliveries),
        'watches', (SELECT json_agg(json_build_object('id', id, 'user', user_id, 'app', app_id, 'channel', channel_id)
          ORDER BY id) FROM watches),
        'app_update_keys', (SELECT json_agg(json_build_object('id', id, 'app', app_id, 'name', name,
          'revoked_at', revoked_at) ORDER BY id) FROM app_update_keys),
        'audit', (SELECT json_agg(json_build_object('id', id, 'action', action) ORDER BY id)
          FROM audit_events WHERE action = ANY($1))
      ) AS state`,
      [CHANGE_AUDIT_ACTIONS],
    );
    return row!.state;
  }

  /** Snapshots and effects are read several times per replay: over one connection (sql() opens one per query). */
  let db: pg.Client | undefined;
  async function read<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    if (!db) {
      db = new pg.Client({ connectionString: world.server.databaseUrl });
      await db.connect();
    }
    return (await db.query<T>(text, params)).rows;
  }
  after(async () => {
    await db?.end();
  });

  async function one(text: string, params: unknown[] = []): Promise<Record<string, unknown> | null> {
    return (await read<Record<string, unknown>>(text, params))[0] ?? null;
  }

  async function insertUser(email: string, role: string, options: { disabled?: boolean; password?: string } = {}) {
    const [row] = await sql<{ id: string }>(
      `INSERT INTO users (id, email, role, password_hash, disabled_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, $3, CASE WHEN $4 THEN now() END, now()) RETURNING id`,
      [email, role, options.password ? await hashPassword(options.password) : null, options.disabled ?? false],
    );
    return row!.id;
  }

  async function insertToken(userId: string, name: string): Promise<string> {
    const [row] = await sql<{ id: string }>(
      `INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, scopes)
       VALUES (gen_random_uuid(), $1, $2, md5(random()::text) || md5(random()::text), 'matrix00', '{read}')
       RETURNING id`,
      [userId, name],
    );
    return row!.id;
  }

  /** A disabled webhook of the own app (no event is queued for it) with one delivery in its log. */
  async function insertWebhook(url: string): Promise<string> {
    const [row] = await sql<{ id: string }>(
      `INSERT INTO webhooks (app_id, url, secret, events, enabled) VALUES ($1, $2, 'matrix-secret-0123456789',
       '{build.created}', false) RETURNING id`,
      [own().appId, url],
    );
    await sql(
      `INSERT INTO webhook_deliveries (webhook_id, event, payload, status) VALUES ($1, 'build.created', '{}', 'failed')`,
      [row!.id],
    );
    return row!.id;
  }

  async function insertDevice(name: string, options: { userId?: string; disabled?: boolean } = {}): Promise<string> {
    const [row] = await sql<{ id: string }>(
      `INSERT INTO devices (id, user_id, udid, name, source, disabled_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, $3, 'profile', CASE WHEN $4 THEN now() END, now()) RETURNING id`,
      [options.userId ?? null, randomBytes(20).toString("hex"), name, options.disabled ?? false],
    );
    return row!.id;
  }

  /** Throwaway accounts and objects the destructive replays target. */
  const fixture = {} as {
    promote: string;
    disable: string;
    enable: string;
    signOut: string;
    password: string;
    tokenOwner: string;
    victimToken: string;
    doomedGroup: string;
    ownTokens: Record<Role, string>;
    /** Someone else's active device, and a disabled one (the admin page then renders both enable and disable). */
    otherDevice: string;
    disabledDevice: string;
    doomedDevice: string;
    ownDevices: Record<Role, string>;
    /** One new build of the own app per role (each role deletes its own). */
    doomedBuilds: Record<Role, string>;
    /** A disabled webhook of the own app (its page then renders the enable and delete forms), and one to delete. */
    webhook: string;
    doomedWebhook: string;
    /** A webhook to a loopback address (refused by the policy): "Send test" fails at once, without a connection. */
    pingWebhook: string;
    /** The admin's watch of the own app (the settings page renders its Unwatch form), and one per role to remove. */
    adminWatch: string;
    roleWatches: Record<Role, string>;
    victimWatch: string;
    /** Someone else's watch and the signed token of its email's unsubscribe link. */
    unsubscribeWatch: string;
    unsubscribeToken: string;
    /** An update key of the own app (its page renders Revoke), and one per role to revoke. */
    updateKey: string;
    roleKeys: Record<Role, string>;
  };
  let actionIds: Map<string, ServerActionRef>;

  before(async () => {
    actionIds = serverActionIds(ROOT);
    fixture.promote = await insertUser("target.promote@example.com", "member");
    fixture.disable = await insertUser("target.disable@example.com", "member");
    await insertToken(fixture.disable, "target's token");
    fixture.enable = await insertUser("target.enable@example.com", "member", { disabled: true });
    fixture.signOut = await insertUser("target.signout@example.com", "member");
    fixture.password = await insertUser("target.password@example.com", "admin");
    fixture.tokenOwner = await insertUser("target.tokens@example.com", "member");
    fixture.victimToken = await insertToken(fixture.tokenOwner, "someone else's token");
    fixture.otherDevice = await insertDevice("Someone else's phone", { userId: fixture.tokenOwner });
    fixture.disabledDevice = await insertDevice("A disabled phone", { disabled: true });
    fixture.webhook = await insertWebhook("https://hooks.example.com/matrix-fixture");
    fixture.pingWebhook = await insertWebhook("http://127.0.0.1:9/matrix-ping");
    fixture.adminWatch = await insertWatch(actors.admin.id, own().appId);
    fixture.victimWatch = await insertWatch(fixture.tokenOwner, own().appId);
    fixture.unsubscribeWatch = await insertWatch(fixture.promote, own().appId);
    fixture.unsubscribeToken = unsubscribeTokenFor(fixture.promote, fixture.unsubscribeWatch);
    fixture.updateKey = await insertUpdateKey(own().appId, "matrix fixture key");
    // The own build in a second channel: its page renders "Remove from matrix-extra", the channels page its rename and delete.
    await insertChannel(own().appId, "matrix-extra", own().buildId);
  });

  async function insertChannel(appId: string, name: string, buildId: string | null): Promise<void> {
    const [row] = await sql<{ id: string }>(
      "INSERT INTO channels (id, app_id, name) VALUES (gen_random_uuid(), $1, $2) RETURNING id",
      [appId, name],
    );
    if (buildId) await sql("INSERT INTO build_channels (build_id, channel_id) VALUES ($1, $2)", [buildId, row!.id]);
  }
  const channelsPerRole = (prefix: string, buildId: string | null) => async () => {
    for (const role of ROLES) await insertChannel(own().appId, `${prefix}-${role.toLowerCase()}`, buildId);
  };
  const channelCount = (name: string) =>
    one("SELECT count(*)::int AS n FROM channels WHERE app_id = $1 AND name = $2", [own().appId, name]);

  async function insertWatch(userId: string, appId: string): Promise<string> {
    const [row] = await sql<{ id: string }>("INSERT INTO watches (user_id, app_id) VALUES ($1, $2) RETURNING id", [
      userId,
      appId,
    ]);
    return row!.id;
  }

  async function insertUpdateKey(appId: string, name: string): Promise<string> {
    const [row] = await sql<{ id: string }>(
      `INSERT INTO app_update_keys (app_id, name, key_hash, prefix)
       VALUES ($1, $2, md5(random()::text) || md5(random()::text), 'matrix00') RETURNING id`,
      [appId, name],
    );
    return row!.id;
  }

  /** The token of an email's unsubscribe link, signed as lib/notifications/unsubscribe-token.ts does. */
  function unsubscribeTokenFor(userId: string, watchId: string): string {
    const key = createHmac("sha256", world.server.authSecret).update("ferry-unsubscribe-v1").digest();
    const payload = `${userId}.${watchId}`;
    return `${payload}.${createHmac("sha256", key).update(payload).digest("base64url")}`;
  }

  type Row = Record<string, unknown> | null;
  type ActionCase = {
    name: string;
    /**
     * "file#export", as the build's server-reference manifest names it; or "plain:<_action>", a
     * plain-post form of a page without the React runtime (lib/server-actions/plain-post.ts).
     */
    action: string;
    /** The page whose form is replayed (and where the POST goes). */
    page: string;
    /** Hidden fields that pick the admin-rendered form to replay (e.g. which user's row). */
    form?: () => Record<string, string>;
    /** The fields an admin would fill in (for this actor), replacing the form's. */
    fields: (actor: Actor) => Record<string, string | string[]>;
    setup?: () => Promise<unknown>;
    cleanup?: () => Promise<unknown>;
    /** What the action would change, read before and after each replay. */
    effect: (actor: Actor) => Promise<Row>;
    /** `effect` after a call that is allowed to change something. */
    changedTo: (actor: Actor) => Row;
    /** Per role: the action's answer, and whether the database changed. */
    expected: Record<Role, string>;
    /**
     * Per role, without JavaScript: the page's status after the action (default: the page's own access rule).
     * A plain-post page answers "404" for these roles before any form runs.
     */
    withoutJsStatus?: Partial<Record<Role, string>>;
  };

  const SIGNED_OUT = "signed out, unchanged";
  const FORBIDDEN = "forbidden, unchanged";
  const ADMIN_ONLY: Record<Role, string> = {
    anonymous: SIGNED_OUT,
    memberNoAccess: FORBIDDEN,
    memberWithAccess: FORBIDDEN,
    uploader: FORBIDDEN,
    admin: "ok, changed",
    disabled: SIGNED_OUT,
  };
  const ANY_SIGNED_IN: Record<Role, string> = {
    anonymous: SIGNED_OUT,
    memberNoAccess: "ok, changed",
    memberWithAccess: "ok, changed",
    uploader: "ok, changed",
    admin: "ok, changed",
    disabled: SIGNED_OUT,
  };
  const membership = (groupId: () => string, userId: () => string) =>
    one("SELECT count(*)::int AS n FROM group_members WHERE group_id = $1 AND user_id = $2", [groupId(), userId()]);
  const grant = (appId: () => string, groupId: () => string) =>
    one("SELECT count(*)::int AS n FROM app_groups WHERE app_id = $1 AND group_id = $2", [appId(), groupId()]);
  const ensureGrant = () =>
    sql("INSERT INTO app_groups (app_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [
      own().appId,
      world.teamId,
    ]);
  const dropForeignGrant = () =>
    sql("DELETE FROM app_groups WHERE app_id = $1 AND group_id = $2", [foreign().appId, world.teamId]);
  const deviceName = (id: () => string) => one("SELECT name FROM devices WHERE id = $1", [id()]);
  const deviceCount = (id: () => string) => one("SELECT count(*)::int AS n FROM devices WHERE id = $1", [id()]);
  /** One device per role, owned by that role's account (the owner may rename or delete it). */
  const insertOwnDevices = async () => {
    fixture.ownDevices = {} as Record<Role, string>;
    for (const role of ROLES)
      fixture.ownDevices[role] = await insertDevice("matrix own device", { userId: actors[role].id });
  };
  const dropOwnDevices = () => sql("DELETE FROM devices WHERE name IN ('matrix own device', 'My renamed phone')");
  const importedUdid = "00008030-00AB12CD34EF5678";
  const resetActorRoles = async () => {
    for (const role of ROLES)
      await sql("UPDATE users SET role = $2 WHERE id = $1", [actors[role].id, ACCOUNT_ROLE[role]]);
  };

  const NO_SUCH_BUILD = "error: No such build, or you do not have access to it, unchanged";
  const NOT_PUBLISHER = "error: Only admins and this app's uploaders can change its builds and channels, unchanged";
  /** The build actions: admins and the app's uploaders; who cannot see the build is not told it exists. */
  const PUBLISHERS: Record<Role, string> = {
    anonymous: SIGNED_OUT,
    memberNoAccess: NO_SUCH_BUILD,
    memberWithAccess: NOT_PUBLISHER,
    uploader: "ok, changed",
    admin: "ok, changed",
    disabled: SIGNED_OUT,
  };
  /** Without JavaScript the build page is rendered after the action: 404 for who may not see the build. */
  const BUILD_PAGE_WITHOUT_JS = { memberNoAccess: "404" };
  const NO_SUCH_APP = "error: No such app, or you do not have access to it, unchanged";
  /** The channels page is for the app's publishers: 404 for everyone else (its plain posts too). */
  const CHANNELS_PAGE_WITHOUT_JS = { memberNoAccess: "404", memberWithAccess: "404" };
  const channelState = (name: string) =>
    one(
      `SELECT c.restricted, (SELECT count(*)::int FROM channel_groups g WHERE g.channel_id = c.id) AS groups
       FROM channels c WHERE c.app_id = $1 AND c.name = $2`,
      [own().appId, name],
    );
  /** Channel "insiders" of the own app as the world set it up: restricted to the Insiders group. */
  const restrictInsiders = async () => {
    await sql("UPDATE channels SET restricted = true WHERE app_id = $1 AND name = $2", [
      own().appId,
      RESTRICTED_CHANNEL,
    ]);
    await sql(
      `INSERT INTO channel_groups (channel_id, group_id) SELECT id, $3 FROM channels WHERE app_id = $1 AND name = $2
       ON CONFLICT DO NOTHING`,
      [own().appId, RESTRICTED_CHANNEL, world.insidersId],
    );
  };
  const openDefaultChannel = async () => {
    await sql(
      "DELETE FROM channel_groups WHERE channel_id IN (SELECT id FROM channels WHERE app_id = $1 AND name = 'default')",
      [own().appId],
    );
    await sql("UPDATE channels SET restricted = false WHERE app_id = $1 AND name = 'default'", [own().appId]);
  };
  const resetForeignApp = () =>
    sql(
      "UPDATE apps SET name = 'Matrix', name_locked = false, description = NULL, retain_per_channel = NULL WHERE id = $1",
      [foreign().appId],
    );

  // The foreign app's own channel, read when its case runs (the default channel's id).
  let foreignChannelId = "";
  const pickForeignChannel = async () => {
    await sql("UPDATE apps SET default_channel_id = NULL WHERE id = $1", [foreign().appId]);
    foreignChannelId = String((await one("SELECT id FROM channels WHERE app_id = $1 LIMIT 1", [foreign().appId]))?.id);
  };

  const ownWebhooks = () => `/admin/apps/${own().appId}/webhooks`;
  const teamMembers = () => `/admin/groups/${world.teamId}`;
  const foreignWebhooks = () => `/admin/apps/${foreign().appId}/webhooks`;
  const webhookEnabled = (enabled: boolean) => () =>
    sql("UPDATE webhooks SET enabled = $2 WHERE id = $1", [fixture.webhook, enabled]);
  const NOTIFICATIONS = "/settings/notifications";
  const ownUpdateKeys = () => `/apps/${own().appId}/update-keys`;
  const unsubscribePage = () => `/unsubscribe?token=${encodeURIComponent(fixture.unsubscribeToken)}`;
  const NOT_KEY_MANAGER = "error: Only admins and this app's uploaders can manage its update keys, unchanged";
  /** Update keys: admins and the app's uploaders; the page is a 404 for everyone else. */
  const KEY_MANAGERS: Record<Role, string> = {
    anonymous: SIGNED_OUT,
    memberNoAccess: NOT_KEY_MANAGER,
    memberWithAccess: NOT_KEY_MANAGER,
    uploader: "ok, changed",
    admin: "ok, changed",
    disabled: SIGNED_OUT,
  };
  const KEY_PAGE_WITHOUT_JS = { memberNoAccess: "404", memberWithAccess: "404" };

  const CASES: ActionCase[] = [
    {
      name: "sendTestWebhook: a ping to a webhook of the own app (a refused address: failed, logged)",
      action: "lib/webhooks/actions.ts#sendTestWebhookAction",
      get page() {
        return ownWebhooks();
      },
      form: () => ({ webhookId: fixture.pingWebhook }),
      fields: () => ({}),
      effect: () =>
        one("SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 AND event = 'ping'", [
          fixture.pingWebhook,
        ]),
      changedTo: () => ({ n: 1 }),
      cleanup: () =>
        sql("DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND event = 'ping'", [fixture.pingWebhook]),
      expected: { ...ADMIN_ONLY, admin: "error: Test failed, changed" },
    },
    {
      name: "removeWatch: your own watch",
      action: "lib/notifications/actions.ts#removeWatchAction",
      page: NOTIFICATIONS,
      form: () => ({ watchId: fixture.adminWatch }),
      fields: (a) => ({ watchId: fixture.roleWatches[a.role] }),
      setup: async () => {
        fixture.roleWatches = {} as Record<Role, string>;
        for (const role of ROLES) fixture.roleWatches[role] = await insertWatch(actors[role].id, foreign().appId);
      },
      effect: (a) => one("SELECT count(*)::int AS n FROM watches WHERE id = $1", [fixture.roleWatches[a.role]]),
      changedTo: () => ({ n: 0 }),
      cleanup: () => sql("DELETE FROM watches WHERE app_id = $1", [foreign().appId]),
      expected: ANY_SIGNED_IN,
    },
    {
      name: "removeWatch: someone else's watch (refused even to admins)",
      action: "lib/notifications/actions.ts#removeWatchAction",
      page: NOTIFICATIONS,
      form: () => ({ watchId: fixture.adminWatch }),
      fields: () => ({ watchId: fixture.victimWatch }),
      effect: () => one("SELECT count(*)::int AS n FROM watches WHERE id = $1", [fixture.victimWatch]),
      changedTo: () => ({ n: 1 }),
      expected: {
        anonymous: SIGNED_OUT,
        memberNoAccess: "error: This watch is not yours or was removed already, unchanged",
        memberWithAccess: "error: This watch is not yours or was removed already, unchanged",
        uploader: "error: This watch is not yours or was removed already, unchanged",
        admin: "error: This watch is not yours or was removed already, unchanged",
        disabled: SIGNED_OUT,
      },
    },
    {
      // The signed token is the authorization (an email's link, no sign-in): whoever holds it unsubscribes, once.
      name: "unsubscribe: an email's signed link removes its watch, for whoever holds it",
      action: "lib/notifications/unsubscribe-actions.ts#unsubscribeAction",
      get page() {
        return unsubscribePage();
      },
      fields: () => ({}),
      setup: async () => {
        await sql("INSERT INTO watches (id, user_id, app_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [
          fixture.unsubscribeWatch,
          fixture.promote,
          own().appId,
        ]);
      },
      effect: () => one("SELECT count(*)::int AS n FROM watches WHERE id = $1", [fixture.unsubscribeWatch]),
      changedTo: () => ({ n: 0 }),
      expected: {
        anonymous: "ok, changed",
        memberNoAccess: "ok, unchanged",
        memberWithAccess: "ok, unchanged",
        uploader: "ok, unchanged",
        admin: "ok, unchanged",
        disabled: "ok, unchanged",
      },
      withoutJsStatus: { anonymous: "200", disabled: "200" },
    },
    {
      name: "unsubscribe: a forged token is refused",
      action: "lib/notifications/unsubscribe-actions.ts#unsubscribeAction",
      get page() {
        return unsubscribePage();
      },
      fields: () => ({ token: `${fixture.unsubscribeToken.slice(0, -2)}xx` }),
      effect: () => one("SELECT count(*)::int AS n FROM watches"),
      changedTo: () => null,
      expected: Object.fromEntries(
        ROLES.map((r) => [r, "error: This unsubscribe link is not valid, unchanged"]),
      ) as Record<Role, string>,
      withoutJsStatus: { anonymous: "200", disabled: "200" },
    },
    {
      name: "createUpdateKey: a key of the own app",
      action: "lib/update-check/actions.ts#createUpdateKeyAction",
      get page() {
        return ownUpdateKeys();
      },
      fields: () => ({ name: "matrix key" }),
      effect: () =>
        one("SELECT count(*)::int AS n FROM app_update_keys WHERE app_id = $1 AND name = 'matrix key'", [own().appId]),
      changedTo: (a) => ({ n: a.role === "admin" ? 2 : 1 }),
      cleanup: () => sql("DELETE FROM app_update_keys WHERE name = 'matrix key'"),
      expected: KEY_MANAGERS,
      withoutJsStatus: KEY_PAGE_WITHOUT_JS,
    },
    {
      name: "createUpdateKey: a key of the foreign app (admins only: not granted to the uploader)",
      action: "lib/update-check/actions.ts#createUpdateKeyAction",
      get page() {
        return `/apps/${foreign().appId}/update-keys`;
      },
      fields: () => ({ name: "matrix foreign key" }),
      effect: () =>
        one("SELECT count(*)::int AS n FROM app_update_keys WHERE app_id = $1 AND name = 'matrix foreign key'", [
          foreign().appId,
        ]),
      changedTo: () => ({ n: 1 }),
      cleanup: () => sql("DELETE FROM app_update_keys WHERE name = 'matrix foreign key'"),
      expected: { ...KEY_MANAGERS, uploader: NOT_KEY_MANAGER },
      withoutJsStatus: { ...KEY_PAGE_WITHOUT_JS, uploader: "404" },
    },
    {
      name: "revokeUpdateKey: a key of the own app",
      action: "lib/update-check/actions.ts#revokeUpdateKeyAction",
      get page() {
        return ownUpdateKeys();
      },
      form: () => ({ keyId: fixture.roleKeys.admin }),
      fields: (a) => ({ keyId: fixture.roleKeys[a.role] }),
      setup: async () => {
        fixture.roleKeys = {} as Record<Role, string>;
        for (const role of ROLES) fixture.roleKeys[role] = await insertUpdateKey(own().appId, "matrix role key");
      },
      effect: (a) =>
        one("SELECT revoked_at IS NOT NULL AS revoked FROM app_update_keys WHERE id = $1", [fixture.roleKeys[a.role]]),
      changedTo: () => ({ revoked: true }),
      cleanup: () => sql("DELETE FROM app_update_keys WHERE name = 'matrix role key'"),
      expected: KEY_MANAGERS,
      withoutJsStatus: KEY_PAGE_WITHOUT_JS,
    },
    {
      name: "createWebhook: add a webhook to the foreign app",
      action: "lib/webhooks/actions.ts#createWebhookAction",
      get page() {
        return foreignWebhooks();
      },
      // Each role its own URL, so a refused attempt is told apart from the admin's.
      fields: (a) => ({
        url: `https://hooks.example.com/matrix-${a.role.toLowerCase()}`,
        secret: "",
        format: "slack",
        events: ["build.created", "build.promoted"],
      }),
      effect: (a) =>
        one("SELECT app_id, format, events, enabled FROM webhooks WHERE url = $1", [
          `https://hooks.example.com/matrix-${a.role.toLowerCase()}`,
        ]),
      changedTo: () => ({
        app_id: foreign().appId,
        format: "slack",
        events: ["build.created", "build.promoted"],
        enabled: true,
      }),
      cleanup: () => sql("DELETE FROM webhooks WHERE app_id = $1", [foreign().appId]),
      expected: ADMIN_ONLY,
    },
    {
      name: "deleteWebhook: a webhook of the own app (and its delivery log)",
      action: "lib/webhooks/actions.ts#deleteWebhookAction",
      get page() {
        return ownWebhooks();
      },
      form: () => ({ webhookId: fixture.doomedWebhook }),
      fields: () => ({}),
      setup: async () => {
        fixture.doomedWebhook = await insertWebhook("https://hooks.example.com/matrix-doomed");
      },
      effect: () =>
        one(
          `SELECT (SELECT count(*)::int FROM webhooks WHERE id = $1) AS hooks,
             (SELECT count(*)::int FROM webhook_deliveries WHERE webhook_id = $1) AS deliveries`,
          [fixture.doomedWebhook],
        ),
      changedTo: () => ({ hooks: 0, deliveries: 0 }),
      cleanup: () => sql("DELETE FROM webhooks WHERE id = $1", [fixture.doomedWebhook]),
      expected: ADMIN_ONLY,
    },
    {
      name: "setWebhookEnabled: enable a disabled webhook of the own app",
      action: "lib/webhooks/actions.ts#setWebhookEnabledAction",
      get page() {
        return ownWebhooks();
      },
      form: () => ({ webhookId: fixture.webhook, enabled: "true" }),
      fields: () => ({}),
      setup: webhookEnabled(false),
      effect: () => one("SELECT enabled FROM webhooks WHERE id = $1", [fixture.webhook]),
      changedTo: () => ({ enabled: true }),
      cleanup: webhookEnabled(false),
      expected: ADMIN_ONLY,
    },
    {
      name: "setWebhookEnabled: disable an enabled webhook of the own app",
      action: "lib/webhooks/actions.ts#setWebhookEnabledAction",
      get page() {
        return ownWebhooks();
      },
      form: () => ({ webhookId: fixture.webhook, enabled: "false" }),
      fields: () => ({}),
      setup: webhookEnabled(true),
      effect: () => one("SELECT enabled FROM webhooks WHERE id = $1", [fixture.webhook]),
      changedTo: () => ({ enabled: false }),
      cleanup: webhookEnabled(false),
      expected: ADMIN_ONLY,
    },
    {
      name: "createUser: a new admin account with a known password",
      action: "plain:create-user",
      page: USERS,
      fields: () => ({
        email: "created.by.matrix@example.com",
        name: "Matrix",
        role: "admin",
        password: "created-password-123",
      }),
      effect: () =>
        one(
          "SELECT role, password_hash IS NOT NULL AS has_password FROM users WHERE email = 'created.by.matrix@example.com'",
        ),
      changedTo: () => ({ role: "admin", has_password: true }),
      cleanup: () => sql("DELETE FROM users WHERE email = 'created.by.matrix@example.com'"),
      expected: ADMIN_ONLY,
    },
    {
      name: "changeRole: make a member an admin",
      action: "plain:change-role",
      page: USERS,
      form: () => ({ userId: fixture.promote }),
      fields: () => ({ role: "admin" }),
      setup: () => sql("UPDATE users SET role = 'member' WHERE id = $1", [fixture.promote]),
      effect: () => one("SELECT role FROM users WHERE id = $1", [fixture.promote]),
      changedTo: () => ({ role: "admin" }),
      expected: ADMIN_ONLY,
    },
    {
      name: "changeRole: make yourself an admin",
      action: "plain:change-role",
      page: USERS,
      form: () => ({ userId: actors.admin.id }),
      fields: (a) => ({ userId: a.id, role: "admin" }),
      effect: (a) => one("SELECT role FROM users WHERE id = $1", [a.id]),
      changedTo: () => ({ role: "admin" }),
      cleanup: resetActorRoles,
      expected: { ...ADMIN_ONLY, admin: "ok, unchanged" },
    },
    {
      name: "disableUser: disable a member (sessions and tokens end)",
      action: "plain:disable-user",
      page: USERS,
      form: () => ({ userId: fixture.disable }),
      fields: () => ({}),
      setup: async () => {
        await sql("UPDATE users SET disabled_at = NULL, session_version = 0 WHERE id = $1", [fixture.disable]);
        await sql("UPDATE api_tokens SET revoked_at = NULL WHERE user_id = $1", [fixture.disable]);
      },
      effect: () =>
        one(
          `SELECT disabled_at IS NOT NULL AS disabled, session_version,
             (SELECT count(*)::int FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL) AS active_tokens
           FROM users u WHERE id = $1`,
          [fixture.disable],
        ),
      changedTo: () => ({ disabled: true, session_version: 1, active_tokens: 0 }),
      expected: ADMIN_ONLY,
    },
    {
      name: "enableUser: re-enable a disabled member",
      action: "plain:enable-user",
      page: USERS,
      form: () => ({ userId: fixture.enable }),
      fields: () => ({}),
      setup: () => sql("UPDATE users SET disabled_at = now() WHERE id = $1", [fixture.enable]),
      effect: () => one("SELECT disabled_at IS NULL AS active FROM users WHERE id = $1", [fixture.enable]),
      changedTo: () => ({ active: true }),
      expected: ADMIN_ONLY,
    },
    {
      name: "signOutEverywhere: end someone's sessions",
      action: "plain:sign-out-everywhere",
      page: USERS,
      form: () => ({ userId: fixture.signOut }),
      fields: () => ({}),
      setup: () => sql("UPDATE users SET session_version = 0 WHERE id = $1", [fixture.signOut]),
      effect: () => one("SELECT session_version FROM users WHERE id = $1", [fixture.signOut]),
      changedTo: () => ({ session_version: 1 }),
      expected: ADMIN_ONLY,
    },
    {
      name: "setPassword: set an admin's password (account takeover)",
      action: "plain:set-password",
      page: USERS,
      form: () => ({ userId: fixture.password }),
      fields: () => ({ password: "taken-over-password-123" }),
      setup: () => sql("UPDATE users SET password_hash = NULL, session_version = 0 WHERE id = $1", [fixture.password]),
      effect: () =>
        one("SELECT password_hash IS NOT NULL AS has_password, session_version FROM users WHERE id = $1", [
          fixture.password,
        ]),
      changedTo: () => ({ has_password: true, session_version: 1 }),
      expected: ADMIN_ONLY,
    },
    {
      name: "createGroup",
      action: "plain:create-group",
      page: GROUPS,
      fields: () => ({ name: "Made by the matrix", description: "should exist only after the admin's call" }),
      effect: () => one("SELECT name, description FROM groups WHERE name = 'Made by the matrix'"),
      changedTo: () => ({ name: "Made by the matrix", description: "should exist only after the admin's call" }),
      cleanup: () => sql("DELETE FROM groups WHERE name = 'Made by the matrix'"),
      expected: ADMIN_ONLY,
    },
    {
      name: "deleteGroup: a group with a member and a granted app",
      action: "plain:delete-group",
      page: GROUPS,
      form: () => ({ groupId: fixture.doomedGroup }),
      fields: () => ({}),
      setup: async () => {
        const [row] = await sql<{ id: string }>(
          "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), 'Doomed') RETURNING id",
        );
        fixture.doomedGroup = row!.id;
        await sql("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)", [row!.id, fixture.promote]);
        await sql("INSERT INTO app_groups (app_id, group_id) VALUES ($1, $2)", [own().appId, row!.id]);
      },
      effect: () =>
        one(
          `SELECT (SELECT count(*)::int FROM groups WHERE id = $1) AS groups,
             (SELECT count(*)::int FROM group_members WHERE group_id = $1) AS members,
             (SELECT count(*)::int FROM app_groups WHERE group_id = $1) AS apps`,
          [fixture.doomedGroup],
        ),
      changedTo: () => ({ groups: 0, members: 0, apps: 0 }),
      cleanup: () => sql("DELETE FROM groups WHERE name = 'Doomed'"),
      expected: ADMIN_ONLY,
    },
    ...[GROUPS, "members page"].flatMap((where) => {
      // The same two forms on the groups page (the group's card) and on the group's own members page.
      const onMembersPage = where === "members page";
      const page = () => (onMembersPage ? teamMembers() : GROUPS);
      const suffix = onMembersPage ? " (members page)" : "";
      const team = (): Record<string, string> => (onMembersPage ? {} : { groupId: world.teamId });
      const dropNoAccess = () =>
        sql("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2", [world.teamId, actors.memberNoAccess.id]);
      const cases: ActionCase[] = [
        {
          name: `addMember${suffix}: put the member without access into the group that has the own app`,
          action: "plain:add-member",
          get page() {
            return page();
          },
          form: team,
          fields: () => ({ email: actors.memberNoAccess.email }),
          setup: dropNoAccess,
          effect: () =>
            membership(
              () => world.teamId,
              () => actors.memberNoAccess.id,
            ),
          changedTo: () => ({ n: 1 }),
          cleanup: dropNoAccess,
          expected: ADMIN_ONLY,
        },
        {
          name: `removeMember${suffix}: take the member with access out of their group`,
          action: "plain:remove-member",
          get page() {
            return page();
          },
          form: () => ({ ...team(), userId: actors.memberWithAccess.id }),
          fields: () => ({}),
          effect: () =>
            membership(
              () => world.teamId,
              () => actors.memberWithAccess.id,
            ),
          changedTo: () => ({ n: 0 }),
          cleanup: () =>
            sql("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [
              world.teamId,
              actors.memberWithAccess.id,
            ]),
          expected: ADMIN_ONLY,
        },
      ];
      return cases;
    }),
    {
      name: "grantApp (group card): grant the foreign app to the group",
      action: "plain:grant-app",
      page: GROUPS,
      form: () => ({ groupId: world.teamId }),
      fields: () => ({ appId: foreign().appId }),
      setup: dropForeignGrant,
      effect: () =>
        grant(
          () => foreign().appId,
          () => world.teamId,
        ),
      changedTo: () => ({ n: 1 }),
      cleanup: dropForeignGrant,
      expected: ADMIN_ONLY,
    },
    {
      name: "grantApp (app card): grant the foreign app to the group",
      action: "plain:grant-app",
      page: APPS,
      form: () => ({ appId: foreign().appId }),
      fields: () => ({ groupId: world.teamId }),
      setup: dropForeignGrant,
      effect: () =>
        grant(
          () => foreign().appId,
          () => world.teamId,
        ),
      changedTo: () => ({ n: 1 }),
      cleanup: dropForeignGrant,
      expected: ADMIN_ONLY,
    },
    {
      name: "revokeApp (group card): take the own app from its group",
      action: "plain:revoke-app",
      page: GROUPS,
      form: () => ({ groupId: world.teamId, appId: own().appId }),
      fields: () => ({}),
      setup: ensureGrant,
      effect: () =>
        grant(
          () => own().appId,
          () => world.teamId,
        ),
      changedTo: () => ({ n: 0 }),
      cleanup: ensureGrant,
      expected: ADMIN_ONLY,
    },
    {
      name: "revokeApp (app card): take the own app from its group",
      action: "plain:revoke-app",
      page: APPS,
      form: () => ({ appId: own().appId, groupId: world.teamId }),
      fields: () => ({}),
      setup: ensureGrant,
      effect: () =>
        grant(
          () => own().appId,
          () => world.teamId,
        ),
      changedTo: () => ({ n: 0 }),
      cleanup: ensureGrant,
      expected: ADMIN_ONLY,
    },
    {
      name: "changeVisibility: make the foreign app visible to everyone",
      action: "plain:change-visibility",
      page: APPS,
      form: () => ({ appId: foreign().appId }),
      fields: () => ({ visibility: "everyone" }),
      setup: () => sql("UPDATE apps SET visibility = 'restricted' WHERE id = $1", [foreign().appId]),
      effect: () => one("SELECT visibility FROM apps WHERE id = $1", [foreign().appId]),
      changedTo: () => ({ visibility: "everyone" }),
      cleanup: () => sql("UPDATE apps SET visibility = 'restricted' WHERE id = $1", [foreign().appId]),
      expected: ADMIN_ONLY,
    },
    {
      name: "saveSignInSettings: switch email and password sign-in back on",
      action: "lib/settings/actions.ts#saveSignInSettingsAction",
      page: SETTINGS,
      fields: () => ({ localLoginEnabled: ["off", "on"] }),
      setup: () =>
        sql(
          `INSERT INTO settings (key, value, updated_at) VALUES ('localLoginEnabled', 'false'::jsonb, now())
           ON CONFLICT (key) DO UPDATE SET value = 'false'::jsonb`,
        ),
      effect: () => one("SELECT value FROM settings WHERE key = 'localLoginEnabled'"),
      changedTo: () => ({ value: true }),
      cleanup: () => sql("DELETE FROM settings WHERE key = 'localLoginEnabled'"),
      expected: ADMIN_ONLY,
    },
    {
      name: "saveSignInSettings: switch email and password sign-in off (no SSO: refused even to admins)",
      action: "lib/settings/actions.ts#saveSignInSettingsAction",
      page: SETTINGS,
      fields: () => ({ localLoginEnabled: "off" }),
      setup: () => sql("DELETE FROM settings WHERE key = 'localLoginEnabled'"),
      effect: () => one("SELECT value FROM settings WHERE key = 'localLoginEnabled'"),
      changedTo: () => null,
      cleanup: () => sql("DELETE FROM settings WHERE key = 'localLoginEnabled'"),
      expected: {
        ...ADMIN_ONLY,
        admin: "error: Email and password sign-in cannot be switched off, unchanged",
      },
    },
    {
      name: "renameDevice: someone else's device",
      action: "plain:rename-device",
      page: DEVICES,
      form: () => ({ deviceId: fixture.otherDevice }),
      fields: () => ({ name: "Renamed by the matrix" }),
      setup: () => sql("UPDATE devices SET name = 'Someone else''s phone' WHERE id = $1", [fixture.otherDevice]),
      effect: () => deviceName(() => fixture.otherDevice),
      changedTo: () => ({ name: "Renamed by the matrix" }),
      cleanup: () => sql("UPDATE devices SET name = 'Someone else''s phone' WHERE id = $1", [fixture.otherDevice]),
      expected: ADMIN_ONLY,
    },
    {
      name: "renameDevice: your own device, through the admin page (admins only: the page is theirs)",
      action: "plain:rename-device",
      page: DEVICES,
      form: () => ({ deviceId: fixture.ownDevices.admin }),
      fields: (a) => ({ deviceId: fixture.ownDevices[a.role], name: "My renamed phone" }),
      setup: insertOwnDevices,
      effect: (a) => deviceName(() => fixture.ownDevices[a.role]),
      changedTo: () => ({ name: "My renamed phone" }),
      cleanup: dropOwnDevices,
      expected: ADMIN_ONLY,
    },
    {
      name: "disableDevice: someone else's device",
      action: "plain:disable-device",
      page: DEVICES,
      form: () => ({ deviceId: fixture.otherDevice }),
      fields: () => ({}),
      setup: () => sql("UPDATE devices SET disabled_at = NULL WHERE id = $1", [fixture.otherDevice]),
      effect: () => one("SELECT disabled_at IS NOT NULL AS disabled FROM devices WHERE id = $1", [fixture.otherDevice]),
      changedTo: () => ({ disabled: true }),
      cleanup: () => sql("UPDATE devices SET disabled_at = NULL WHERE id = $1", [fixture.otherDevice]),
      expected: ADMIN_ONLY,
    },
    {
      name: "disableDevice: your own device (admins only)",
      action: "plain:disable-device",
      page: DEVICES,
      form: () => ({ deviceId: fixture.ownDevices.admin }),
      fields: (a) => ({ deviceId: fixture.ownDevices[a.role] }),
      setup: insertOwnDevices,
      effect: (a) =>
        one("SELECT disabled_at IS NOT NULL AS disabled FROM devices WHERE id = $1", [fixture.ownDevices[a.role]]),
      changedTo: () => ({ disabled: true }),
      cleanup: dropOwnDevices,
      expected: ADMIN_ONLY,
    },
    {
      name: "reassignDevice: move someone else's device to another user (admins only)",
      action: "plain:reassign-device",
      page: DEVICES,
      form: () => ({ deviceId: fixture.otherDevice }),
      fields: () => ({ email: "target.promote@example.com" }),
      setup: () => sql("UPDATE devices SET user_id = $2 WHERE id = $1", [fixture.otherDevice, fixture.tokenOwner]),
      effect: () =>
        one("SELECT u.email FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = $1", [fixture.otherDevice]),
      changedTo: () => ({ email: "target.promote@example.com" }),
      cleanup: () => sql("UPDATE devices SET user_id = $2 WHERE id = $1", [fixture.otherDevice, fixture.tokenOwner]),
      expected: ADMIN_ONLY,
    },
    {
      name: "enableDevice: a disabled device",
      action: "plain:enable-device",
      page: DEVICES,
      form: () => ({ deviceId: fixture.disabledDevice }),
      fields: () => ({}),
      setup: () => sql("UPDATE devices SET disabled_at = now() WHERE id = $1", [fixture.disabledDevice]),
      effect: () => one("SELECT disabled_at IS NULL AS active FROM devices WHERE id = $1", [fixture.disabledDevice]),
      changedTo: () => ({ active: true }),
      cleanup: () => sql("UPDATE devices SET disabled_at = now() WHERE id = $1", [fixture.disabledDevice]),
      expected: ADMIN_ONLY,
    },
    {
      name: "deleteDevice: someone else's device",
      action: "plain:delete-device",
      page: DEVICES,
      form: () => ({ deviceId: fixture.doomedDevice }),
      fields: () => ({}),
      setup: async () => {
        fixture.doomedDevice = await insertDevice("Doomed phone", { userId: fixture.tokenOwner });
      },
      effect: () => deviceCount(() => fixture.doomedDevice),
      changedTo: () => ({ n: 0 }),
      cleanup: () => sql("DELETE FROM devices WHERE name = 'Doomed phone'"),
      expected: ADMIN_ONLY,
    },
    {
      name: "deleteDevice: your own device, through the admin page (admins only: the page is theirs)",
      action: "plain:delete-device",
      page: DEVICES,
      form: () => ({ deviceId: fixture.ownDevices.admin }),
      fields: (a) => ({ deviceId: fixture.ownDevices[a.role] }),
      setup: insertOwnDevices,
      effect: (a) => deviceCount(() => fixture.ownDevices[a.role]),
      changedTo: () => ({ n: 0 }),
      cleanup: dropOwnDevices,
      expected: ADMIN_ONLY,
    },
    {
      name: "importDevices: a list in Apple's format",
      action: "plain:import-devices",
      page: DEVICES,
      fields: () => ({ list: `Device ID\tDevice Name\tDevice Platform\n${importedUdid}\tImported phone\tios\n` }),
      setup: () => sql("DELETE FROM devices WHERE udid = $1", [importedUdid]),
      effect: () => one("SELECT name, source FROM devices WHERE udid = $1", [importedUdid]),
      changedTo: () => ({ name: "Imported phone", source: "import" }),
      cleanup: () => sql("DELETE FROM devices WHERE udid = $1", [importedUdid]),
      expected: ADMIN_ONLY,
    },
    {
      name: "updateAppDetails: rename the foreign app",
      action: "plain:app-details",
      page: APPS,
      form: () => ({ appId: foreign().appId }),
      fields: () => ({ name: "Renamed by the matrix", description: "Described by the matrix" }),
      setup: resetForeignApp,
      effect: () => one("SELECT name, description FROM apps WHERE id = $1", [foreign().appId]),
      changedTo: () => ({ name: "Renamed by the matrix", description: "Described by the matrix" }),
      cleanup: resetForeignApp,
      expected: ADMIN_ONLY,
    },
    {
      name: "retention: save and apply keeping 1 build per channel of the foreign app",
      action: "plain:retention",
      page: APPS,
      form: () => ({ appId: foreign().appId }),
      // The foreign app's only build is its channel's newest: applying deletes nothing.
      fields: () => ({ keep: "1", intent: "save" }),
      setup: resetForeignApp,
      effect: () => one("SELECT retain_per_channel FROM apps WHERE id = $1", [foreign().appId]),
      changedTo: () => ({ retain_per_channel: 1 }),
      cleanup: resetForeignApp,
      expected: ADMIN_ONLY,
    },
    {
      name: "defaultChannel: pick the foreign app's channel to lead its install page",
      action: "plain:default-channel",
      page: APPS,
      form: () => ({ appId: foreign().appId }),
      fields: () => ({ channelId: foreignChannelId }),
      setup: pickForeignChannel,
      effect: () => one("SELECT default_channel_id IS NOT NULL AS picked FROM apps WHERE id = $1", [foreign().appId]),
      changedTo: () => ({ picked: true }),
      cleanup: pickForeignChannel,
      expected: ADMIN_ONLY,
    },
    {
      name: "retention: preview keeping 1 build per channel of the own app (changes nothing)",
      action: "plain:retention",
      page: APPS,
      form: () => ({ appId: own().appId }),
      fields: () => ({ keep: "1", intent: "preview" }),
      effect: () =>
        one(
          "SELECT retain_per_channel, (SELECT count(*)::int FROM builds WHERE app_id = $1) AS builds FROM apps WHERE id = $1",
          [own().appId],
        ),
      changedTo: () => null,
      expected: { ...ADMIN_ONLY, admin: "ok, unchanged" },
    },
    {
      name: "channelAccess: open the own app's restricted channel to everyone who sees the app",
      action: "plain:channel-access",
      page: APPS,
      form: () => ({ appId: own().appId, channel: RESTRICTED_CHANNEL }),
      fields: () => ({ groupId: [] }),
      setup: restrictInsiders,
      effect: () => channelState(RESTRICTED_CHANNEL),
      changedTo: () => ({ restricted: false, groups: 0 }),
      cleanup: restrictInsiders,
      expected: ADMIN_ONLY,
    },
    {
      name: "channelAccess: restrict the own app's default channel to a group nobody is in",
      action: "plain:channel-access",
      page: APPS,
      form: () => ({ appId: own().appId, channel: "default" }),
      fields: () => ({ groupId: [world.insidersId] }),
      setup: openDefaultChannel,
      effect: () => channelState("default"),
      changedTo: () => ({ restricted: true, groups: 1 }),
      cleanup: openDefaultChannel,
      expected: ADMIN_ONLY,
    },
    {
      name: "promoteBuild: add the own build to a new channel",
      action: "lib/builds/actions.ts#promoteBuildAction",
      get page() {
        return ownBuildPage();
      },
      form: () => ({ buildId: own().buildId }),
      // Each role its own channel, so the uploader's success does not make the admin's a no-op.
      // A new channel: created only when confirmed (the box an admin ticks).
      fields: (a) => ({ channel: `promoted-${a.role.toLowerCase()}`, createChannel: "on" }),
      effect: (a) =>
        one(
          `SELECT count(*)::int AS n FROM build_channels bc JOIN channels c ON c.id = bc.channel_id
           WHERE bc.build_id = $1 AND c.name = $2`,
          [own().buildId, `promoted-${a.role.toLowerCase()}`],
        ),
      changedTo: () => ({ n: 1 }),
      cleanup: () => sql("DELETE FROM channels WHERE name LIKE 'promoted-%'"),
      expected: PUBLISHERS,
      withoutJsStatus: BUILD_PAGE_WITHOUT_JS,
    },
    {
      name: "promoteBuild: the build only in a restricted channel (uploaders who cannot see it neither)",
      action: "lib/builds/actions.ts#promoteBuildAction",
      get page() {
        return ownBuildPage();
      },
      form: () => ({ buildId: own().buildId }),
      fields: (a) => ({
        buildId: restricted().buildId,
        channel: `promoted-${a.role.toLowerCase()}`,
        createChannel: "on",
      }),
      effect: (a) =>
        one(
          `SELECT count(*)::int AS n FROM build_channels bc JOIN channels c ON c.id = bc.channel_id
           WHERE bc.build_id = $1 AND c.name = $2`,
          [restricted().buildId, `promoted-${a.role.toLowerCase()}`],
        ),
      changedTo: () => ({ n: 1 }),
      cleanup: () => sql("DELETE FROM channels WHERE name LIKE 'promoted-%'"),
      expected: { ...PUBLISHERS, memberWithAccess: NO_SUCH_BUILD, uploader: NO_SUCH_BUILD },
      withoutJsStatus: BUILD_PAGE_WITHOUT_JS,
    },
    {
      name: "promoteBuild: a typo (a channel the app does not have) without confirming it",
      action: "lib/builds/actions.ts#promoteBuildAction",
      get page() {
        return ownBuildPage();
      },
      form: () => ({ buildId: own().buildId }),
      fields: () => ({ channel: "prodution" }),
      effect: () => channelCount("prodution"),
      changedTo: () => null,
      expected: {
        ...PUBLISHERS,
        uploader: 'error: Unknown channel "prodution", unchanged',
        admin: 'error: Unknown channel "prodution", unchanged',
      },
      withoutJsStatus: BUILD_PAGE_WITHOUT_JS,
    },
    {
      name: "removeFromChannel: take the own build out of a second channel",
      action: "lib/builds/actions.ts#removeFromChannelAction",
      get page() {
        return ownBuildPage();
      },
      form: () => ({ buildId: own().buildId, channel: "matrix-extra" }),
      fields: (a) => ({ channel: `rm-${a.role.toLowerCase()}` }),
      setup: () => channelsPerRole("rm", own().buildId)(),
      effect: (a) =>
        one(
          `SELECT count(*)::int AS n FROM build_channels bc JOIN channels c ON c.id = bc.channel_id
           WHERE bc.build_id = $1 AND c.name = $2`,
          [own().buildId, `rm-${a.role.toLowerCase()}`],
        ),
      changedTo: () => ({ n: 0 }),
      cleanup: () => sql("DELETE FROM channels WHERE app_id = $1 AND name LIKE 'rm-%'", [own().appId]),
      expected: PUBLISHERS,
      withoutJsStatus: BUILD_PAGE_WITHOUT_JS,
    },
    {
      name: "renameChannel: a channel of the own app",
      action: "plain:rename-channel",
      get page() {
        return ownChannels();
      },
      form: () => ({ appId: own().appId, channel: "matrix-extra" }),
      fields: (a) => ({ channel: `ren-${a.role.toLowerCase()}`, name: `ren-${a.role.toLowerCase()}-renamed` }),
      setup: channelsPerRole("ren", null),
      effect: (a) => channelCount(`ren-${a.role.toLowerCase()}-renamed`),
      changedTo: () => ({ n: 1 }),
      cleanup: () => sql("DELETE FROM channels WHERE app_id = $1 AND name LIKE 'ren-%'", [own().appId]),
      expected: { ...PUBLISHERS, memberNoAccess: NO_SUCH_APP },
      withoutJsStatus: CHANNELS_PAGE_WITHOUT_JS,
    },
    {
      name: "deleteChannel: a channel of the own app (builds kept)",
      action: "plain:delete-channel",
      get page() {
        return ownChannels();
      },
      form: () => ({ appId: own().appId, channel: "matrix-extra" }),
      fields: (a) => ({ channel: `del-${a.role.toLowerCase()}`, moveTo: "" }),
      setup: channelsPerRole("del", null),
      effect: (a) => channelCount(`del-${a.role.toLowerCase()}`),
      changedTo: () => ({ n: 0 }),
      cleanup: () => sql("DELETE FROM channels WHERE app_id = $1 AND name LIKE 'del-%'", [own().appId]),
      expected: { ...PUBLISHERS, memberNoAccess: NO_SUCH_APP },
      withoutJsStatus: CHANNELS_PAGE_WITHOUT_JS,
    },
    {
      name: "editNotes: the own build's release notes",
      action: "lib/builds/actions.ts#editNotesAction",
      get page() {
        return ownBuildPage();
      },
      form: () => ({ buildId: own().buildId }),
      fields: (a) => ({ notes: `Notes by ${a.role}` }),
      setup: () => sql("UPDATE builds SET notes = NULL WHERE id = $1", [own().buildId]),
      effect: () => one("SELECT notes FROM builds WHERE id = $1", [own().buildId]),
      changedTo: (a) => ({ notes: `Notes by ${a.role}` }),
      cleanup: () => sql("UPDATE builds SET notes = NULL WHERE id = $1", [own().buildId]),
      expected: PUBLISHERS,
      withoutJsStatus: BUILD_PAGE_WITHOUT_JS,
    },
    {
      name: "deleteBuild: a build of the own app",
      action: "lib/builds/actions.ts#deleteBuildAction",
      // Deleting is its own page, naming what goes.
      get page() {
        return `/apps/${own().appId}/builds/${fixture.doomedBuilds.admin}/delete`;
      },
      form: () => ({ buildId: fixture.doomedBuilds.admin }),
      fields: (a) => ({ buildId: fixture.doomedBuilds[a.role] }),
      setup: async () => {
        fixture.doomedBuilds = {} as Record<Role, string>;
        for (const role of ROLES) {
          const uploaded = await uploadAs(actors.admin.token, await ipaFor(own().bundleId));
          assert.equal(uploaded.status, 201);
          fixture.doomedBuilds[role] = uploaded.json.build!.id;
        }
      },
      effect: (a) => one("SELECT count(*)::int AS n FROM builds WHERE id = $1", [fixture.doomedBuilds[a.role]]),
      changedTo: () => ({ n: 0 }),
      cleanup: () => sql("DELETE FROM builds WHERE id = ANY($1::uuid[])", [Object.values(fixture.doomedBuilds)]),
      // Back to the delete page, which then confirms what was deleted.
      expected: {
        ...PUBLISHERS,
        uploader: "redirected to /apps/<own>/builds/<id>/delete, changed",
        admin: "redirected to /apps/<own>/builds/<id>/delete, changed",
      },
      // The delete page is for the app's publishers only.
      withoutJsStatus: { memberNoAccess: "404", memberWithAccess: "404", uploader: "303", admin: "303" },
    },
    {
      name: "createToken: a read token for yourself",
      action: "lib/tokens/actions.ts#createTokenAction",
      page: TOKENS,
      fields: () => ({ name: "matrix read", expiresInDays: "30", scopes: ["read"] }),
      effect: (a) =>
        one(
          "SELECT count(*)::int AS n FROM api_tokens WHERE user_id = $1 AND name = 'matrix read' AND scopes = '{read}'",
          [a.id],
        ),
      changedTo: () => ({ n: 1 }),
      cleanup: () => sql("DELETE FROM api_tokens WHERE name = 'matrix read'"),
      expected: ANY_SIGNED_IN,
    },
    {
      name: "createToken: an upload token (uploaders and admins only)",
      action: "lib/tokens/actions.ts#createTokenAction",
      page: TOKENS,
      fields: () => ({ name: "matrix upload", expiresInDays: "", scopes: ["read", "upload"] }),
      effect: (a) =>
        one(
          "SELECT count(*)::int AS n FROM api_tokens WHERE user_id = $1 AND name = 'matrix upload' AND 'upload' = ANY(scopes)",
          [a.id],
        ),
      changedTo: () => ({ n: 1 }),
      cleanup: () => sql("DELETE FROM api_tokens WHERE name = 'matrix upload'"),
      expected: {
        ...ANY_SIGNED_IN,
        memberNoAccess: "error: Members can create read-only tokens, unchanged",
        memberWithAccess: "error: Members can create read-only tokens, unchanged",
      },
    },
    {
      name: "createToken: a forged userId field does not pick the owner",
      action: "lib/tokens/actions.ts#createTokenAction",
      page: TOKENS,
      fields: () => ({ name: "matrix forged", scopes: ["read"], userId: fixture.tokenOwner }),
      effect: (a) =>
        one(
          `SELECT (SELECT count(*)::int FROM api_tokens WHERE user_id = $1 AND name = 'matrix forged') AS mine,
             (SELECT count(*)::int FROM api_tokens WHERE user_id = $2 AND name = 'matrix forged') AS forged`,
          [a.id, fixture.tokenOwner],
        ),
      changedTo: () => ({ mine: 1, forged: 0 }),
      cleanup: () => sql("DELETE FROM api_tokens WHERE name = 'matrix forged'"),
      expected: ANY_SIGNED_IN,
    },
    {
      name: "revokeToken: your own token",
      action: "lib/tokens/actions.ts#revokeTokenAction",
      page: TOKENS,
      form: () => ({ tokenId: fixture.ownTokens.admin }),
      fields: (a) => ({ tokenId: fixture.ownTokens[a.role] }),
      setup: async () => {
        fixture.ownTokens = {} as Record<Role, string>;
        for (const role of ROLES) fixture.ownTokens[role] = await insertToken(actors[role].id, "matrix own");
      },
      effect: (a) =>
        one("SELECT revoked_at IS NOT NULL AS revoked FROM api_tokens WHERE id = $1", [fixture.ownTokens[a.role]]),
      changedTo: () => ({ revoked: true }),
      cleanup: () => sql("DELETE FROM api_tokens WHERE name = 'matrix own'"),
      expected: ANY_SIGNED_IN,
    },
    {
      name: "revokeToken: someone else's token (refused even to admins)",
      action: "lib/tokens/actions.ts#revokeTokenAction",
      page: TOKENS,
      fields: () => ({ tokenId: fixture.victimToken }),
      setup: () => sql("UPDATE api_tokens SET revoked_at = NULL WHERE id = $1", [fixture.victimToken]),
      effect: () =>
        one("SELECT revoked_at IS NOT NULL AS revoked FROM api_tokens WHERE id = $1", [fixture.victimToken]),
      changedTo: () => ({ revoked: false }),
      expected: {
        anonymous: SIGNED_OUT,
        memberNoAccess: "error: This token is not yours or is already revoked, unchanged",
        memberWithAccess: "error: This token is not yours or is already revoked, unchanged",
        uploader: "error: This token is not yours or is already revoked, unchanged",
        admin: "error: This token is not yours or is already revoked, unchanged",
        disabled: SIGNED_OUT,
      },
    },
  ];

  function actionRef(name: string): ServerActionRef {
    const ref = actionIds.get(name);
    assert.ok(ref, `${name} is in .next/server/server-reference-manifest.json`);
    return ref;
  }

  const isPlain = (c: ActionCase) => c.action.startsWith("plain:");
  const plainName = (c: ActionCase) => c.action.slice("plain:".length);

  /** The admin's rendered plain-post form named `name` whose fields include `match`. */
  async function adminPlainForm(page: string, name: string, match: Record<string, string>): Promise<HtmlForm> {
    const res = await fetch(`${world.server.baseUrl}${page}`, { headers: { cookie: actors.admin.cookie } });
    assert.equal(res.status, 200, `GET ${page} as admin`);
    const forms = parseForms(await res.text()).filter((f) => plainFormAction(f) === name);
    const form = forms.find((f) =>
      Object.entries(match).every(([field, value]) => f.fields.some(([n, v]) => n === field && v === value)),
    );
    assert.ok(form, `${page} renders a ${name} form with ${JSON.stringify(match)} (${forms.length} forms)`);
    return form;
  }

  /** A plain post's answer in a few words: the status, and where a redirect goes (its path). */
  function plainAnswer(res: { status: number; location: string | null }): string {
    return res.location ? `${res.status} ${new URL(res.location, world.server.baseUrl).pathname}` : String(res.status);
  }

  /** A plain post as each role: the page's gate first (sign-in, 404), then the form's own answer. */
  function plainExpected(c: ActionCase): Record<Role, string> {
    const out = {} as Record<Role, string>;
    for (const role of ROLES) {
      const [answer, change] = [c.expected[role].split(", ")[0], c.expected[role].split(", ").pop()];
      const status =
        role === "anonymous" || role === "disabled"
          ? "303 /sign-in"
          : (c.page.startsWith("/admin") && role !== "admin") || c.withoutJsStatus?.[role] === "404"
            ? "404"
            : answer === "ok"
              ? `303 ${c.page}`
              : "422";
      out[role] = `${status}, ${change}`;
    }
    return out;
  }

  async function runPlainCase(c: ActionCase): Promise<void> {
    await c.setup?.();
    try {
      const form = await adminPlainForm(c.page, plainName(c), c.form?.() ?? {});
      const replays = {} as Record<Role, Replayed>;
      for (const role of ORDER) {
        const actor = actors[role];
        const fields = withFields(form.fields, c.fields(actor));
        replays[role] = await replay(c, actor, async () =>
          plainAnswer(await postPlainForm(world.server.baseUrl, { path: c.page, fields, cookie: actor.cookie })),
        );
      }
      assertReplays(c, replays, plainExpected(c));
    } finally {
      await c.cleanup?.();
    }
  }

  /** The admin's rendered form for `action` whose fields include `match`. */
  async function adminForm(page: string, action: ServerActionRef, match: Record<string, string>): Promise<HtmlForm> {
    const res = await fetch(`${world.server.baseUrl}${page}`, { headers: { cookie: actors.admin.cookie } });
    assert.equal(res.status, 200, `GET ${page} as admin`);
    const forms = parseForms(await res.text()).filter((f) => f.actionId === action.id);
    const form = forms.find((f) =>
      Object.entries(match).every(([name, value]) => f.fields.some(([n, v]) => n === name && v === value)),
    );
    assert.ok(form, `${page} renders a ${action.name} form with ${JSON.stringify(match)} (${forms.length} forms)`);
    return form;
  }

  /** The action's answer in a few words: "ok", "signed out", "forbidden" or the error's first clause. */
  function answer(res: ActionResponse): string {
    if (res.redirect) {
      const to = res.redirect.replace(own().appId, "<own>");
      return `redirected to ${to.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>")}`;
    }
    const state = res.state;
    if (state === undefined || state === null) return `HTTP ${res.status} without a result`;
    if (state.ok) return "ok";
    if (state.error === "Your session has ended: sign in again.") return "signed out";
    if (state.error === "Forbidden: only admins can do this.") return "forbidden";
    return `error: ${state.error?.split(/[:.]/)[0]}`;
  }

  type Transport = "javascript" | "no javascript";

  type Replayed = { result: string; changedTables: string[]; effectBefore: Row; effectAfter: Row };

  /** Runs `send` (one request as `actor`): its answer, and what it changed in the database. */
  async function replay(c: ActionCase, actor: Actor, send: () => Promise<string>): Promise<Replayed> {
    const [before, effectBefore] = [await snapshot(), await c.effect(actor)];
    const outcome = await send();
    const [after, effectAfter] = [await snapshot(), await c.effect(actor)];
    const changedTables = Object.keys(after).filter((k) => !isDeepStrictEqual(before[k], after[k]));
    return {
      result: `${outcome}, ${changedTables.length > 0 ? "changed" : "unchanged"}`,
      changedTables,
      effectBefore,
      effectAfter,
    };
  }

  /** The matrix first (the whole row shows on failure), then that each allowed change was the intended one. */
  function assertReplays(c: ActionCase, replays: Record<Role, Replayed>, expected: Record<Role, string>): void {
    const actual = Object.fromEntries(Object.entries(replays).map(([k, r]) => [k, r.result]));
    const changes = Object.entries(replays)
      .filter(([, r]) => r.changedTables.length > 0)
      .map(([k, r]) => `${k}: ${r.changedTables.join(", ")}`);
    assert.deepEqual(actual, expected, `${c.name}; tables changed by: ${changes.join("; ") || "nobody"}`);
    for (const role of ROLES) {
      const r = replays[role];
      if (r.changedTables.length === 0) continue;
      assert.deepEqual(r.effectAfter, c.changedTo(actors[role]), `${c.name} as ${role}: the intended change`);
      assert.notDeepEqual(r.effectBefore, r.effectAfter, `${c.name} as ${role}: ${r.changedTables} changed, not this`);
    }
  }

  async function runCase(c: ActionCase, transport: Transport, expected: Record<Role, string>): Promise<void> {
    const ref = actionRef(c.action);
    await c.setup?.();
    try {
      const form = await adminForm(c.page, ref, c.form?.() ?? {});
      const replays = {} as Record<Role, Replayed>;
      for (const role of ORDER) {
        const actor = actors[role];
        // The admin's form as rendered ($ACTION_* inputs included), with the values an admin would enter.
        const fields = withFields(form.fields, c.fields(actor));
        replays[role] = await replay(c, actor, async () => {
          if (transport === "no javascript") {
            return String(
              (await submitFormWithoutJs(world.server.baseUrl, { path: c.page, fields, cookie: actor.cookie })).status,
            );
          }
          const res = await invokeAction(world.server.baseUrl, {
            path: c.page,
            actionId: ref.id,
            fields: userFields({ ...form, fields }),
            cookie: actor.cookie,
          });
          // (createWebhookAction's token is the webhook's signing secret, shown to the admin once.)
          if (res.state?.token && c.action.startsWith("lib/tokens/")) {
            // A new token's secret goes to its owner only: the token is the caller's.
            const prefix = res.state.token.slice("ferry_".length, "ferry_".length + 8);
            const owner = await one("SELECT user_id FROM api_tokens WHERE prefix = $1", [prefix]);
            assert.equal(owner?.user_id, actor.id, `${c.name}: the new token belongs to ${actor.role}`);
          }
          return answer(res);
        });
      }
      assertReplays(c, replays, expected);
    } finally {
      await c.cleanup?.();
    }
  }

  /** Without JavaScript the page is rendered after the action: its status follows the page's own access rule. */
  function withoutJsExpected(c: ActionCase): Record<Role, string> {
    const out = {} as Record<Role, string>;
    for (const role of ROLES) {
      const status =
        role === "anonymous" || role === "disabled"
          ? "307"
          : c.page.startsWith("/admin") && role !== "admin"
            ? "404"
            : "200";
      out[role] = `${c.withoutJsStatus?.[role] ?? status}, ${c.expected[role].split(", ").pop()}`;
    }
    return out;
  }

  test("every exported server action is in the build, rendered in a form, and replayed below", async () => {
    assert.ok(CHANGE_AUDIT_ACTIONS.includes("user.role_change") && CHANGE_AUDIT_ACTIONS.length >= 16);
    const exported = exportedServerActions(ROOT, actionFiles());
    // A floor, so a finder that stops finding fails here (the rest are plain-post forms, cases named "plain:").
    assert.ok(exported.length >= 10, exported.join(", "));
    const serverActionCases = CASES.filter((c) => !isPlain(c));
    assert.deepEqual([...new Set(serverActionCases.map((c) => c.action))].sort(), exported, "every action has a case");
    const inBuild = [...actionIds.keys()].filter((k) => /^(app|lib)\//.test(k)).sort();
    assert.deepEqual(inBuild, exported, "the build's server-reference manifest names the same actions");
    // The admin's pages render a form for every one of them (hidden $ACTION_* inputs name the same ids).
    const rendered = new Set<string>();
    const renderedPlain = new Set<string>();
    const pages = [
      USERS,
      GROUPS,
      teamMembers(),
      APPS,
      SETTINGS,
      TOKENS,
      DEVICES,
      ownBuildPage(),
      `${ownBuildPage()}/delete`,
      ownChannels(),
      ownWebhooks(),
    ];
    for (const page of [...pages, NOTIFICATIONS, ownUpdateKeys(), unsubscribePage()]) {
      const html = await (
        await fetch(`${world.server.baseUrl}${page}`, { headers: { cookie: actors.admin.cookie } })
      ).text();
      for (const form of parseForms(html)) {
        if (form.actionId) rendered.add(form.actionId);
        const plain = plainFormAction(form);
        if (plain) renderedPlain.add(`${page}#${plain}`);
      }
    }
    const byId = new Map([...actionIds.values()].map((r) => [r.id, `${r.file}#${r.name}`]));
    assert.deepEqual([...rendered].map((id) => byId.get(id) ?? `unknown action ${id}`).sort(), exported);
    // Every plain-post form rendered has a case, and every case's form is rendered.
    const plainCases = new Set(CASES.filter(isPlain).map((c) => `${c.page}#${plainName(c)}`));
    assert.deepEqual([...renderedPlain].sort(), [...plainCases].sort(), "every plain-post form has a case");
  });

  for (const c of CASES.filter((x) => !isPlain(x))) {
    test(`${c.name} (with JavaScript: Next-Action header)`, async () => {
      await runCase(c, "javascript", c.expected);
    });
  }

  for (const c of CASES) {
    test(`${c.name} (without JavaScript: the form's own fields)`, async () => {
      if (isPlain(c)) return runPlainCase(c);
      await runCase(c, "no javascript", withoutJsExpected(c));
    });
  }

  test("admin actions posted to pages a member can open are refused too", async () => {
    const results: Record<string, string> = {};
    const expected: Record<string, string> = {};
    // Refused to the member on its own page (owners' own-device cases succeed there, so they are left out).
    const refused = (x: ActionCase) => x.expected.memberWithAccess.endsWith(", unchanged");
    for (const c of CASES.filter(
      (x) => !isPlain(x) && x.expected.admin === "ok, changed" && x.page.startsWith("/admin") && refused(x),
    )) {
      const ref = actionRef(c.action);
      await c.setup?.();
      try {
        const form = await adminForm(c.page, ref, c.form?.() ?? {});
        const actor = actors.memberWithAccess;
        // App Router pages only: those under pages/ (the install page, the apps list) run no actions at all.
        // The build page: an App Router page with actions of its own.
        for (const page of ["/settings/notifications", TOKENS, ownBuildPage()]) {
          const fields = withFields(form.fields, c.fields(actor));
          const replayed = await replay(c, actor, async () =>
            answer(
              await invokeAction(world.server.baseUrl, {
                path: page,
                actionId: ref.id,
                fields: userFields({ ...form, fields }),
                cookie: actor.cookie,
              }),
            ),
          );
          results[`${c.name} via ${page}`] = [replayed.result, ...replayed.changedTables].join(" ");
          expected[`${c.name} via ${page}`] = c.expected.memberWithAccess;
        }
      } finally {
        await c.cleanup?.();
      }
    }
    assert.deepEqual(results, expected);
  });

  test("a cross-site request with the admin's cookie is refused", async () => {
    // Any server action an admin may run (the plain-post forms have their own test below).
    const c = CASES.find((x) => !isPlain(x) && x.expected.admin === "ok, changed")!;
    const ref = actionRef(c.action);
    await c.setup?.();
    try {
      const form = await adminForm(c.page, ref, c.form?.() ?? {});
      const before = await snapshot();
      const res = await invokeAction(world.server.baseUrl, {
        path: c.page,
        actionId: ref.id,
        fields: userFields({ ...form, fields: withFields(form.fields, c.fields(actors.admin)) }),
        cookie: actors.admin.cookie,
        origin: "https://evil.example",
      });
      assert.ok(res.status >= 400, `status ${res.status}`);
      assert.ok(!res.state?.ok);
      assert.deepEqual(await snapshot(), before, "nothing changed");
    } finally {
      await c.cleanup?.();
    }
  });

  test("a plain-post form from another site, without the sender's CSRF token, too large, not url-encoded or unknown changes nothing", async () => {
    const c = CASES.find((x) => x.action === "plain:change-role" && x.name.includes("make a member an admin"))!;
    await c.setup?.();
    try {
      const form = await adminPlainForm(c.page, plainName(c), c.form?.() ?? {});
      const fields = withFields(form.fields, c.fields(actors.admin));
      const before = await snapshot();
      const cookie = actors.admin.cookie;
      const base = world.server.baseUrl;
      const crossSite = await postPlainForm(base, { path: c.page, fields, cookie, origin: "https://evil.example" });
      const noToken = await postPlainForm(base, { path: c.page, fields, cookie, csrf: null });
      // A genuine CSRF cookie, but a token that is not the one it holds.
      const wrongToken = await postPlainForm(base, {
        path: c.page,
        fields,
        cookie,
        csrf: { cookie: (await csrfPairOf(base)).cookie, token: "f".repeat(64) },
      });
      assert.deepEqual([crossSite.status, noToken.status, wrongToken.status], [403, 403, 403], "each refused with 403");
      assert.deepEqual(await snapshot(), before, "nothing changed");
      // A body past the 64 KiB a form may send is refused before it is read.
      const oversized = await postPlainForm(base, {
        path: c.page,
        fields: [...fields, ["padding", "x".repeat(100 * 1024)]],
        cookie,
      });
      assert.equal(oversized.status, 413);
      assert.deepEqual(await snapshot(), before, "nothing changed");
      // Not a form's encoding, or a form the page does not have: refused, each with its own status.
      const pair = await csrfPairOf(base);
      const multipart = new FormData();
      for (const [name, value] of [...fields.filter(([n]) => n !== "csrfToken"), ["csrfToken", pair.token]]) {
        multipart.append(name!, value!);
      }
      const notUrlEncoded = await fetch(`${base}${c.page}`, {
        method: "POST",
        redirect: "manual",
        headers: { origin: base, cookie: `${cookie}; ${pair.cookie}` },
        body: multipart,
      });
      assert.equal(notUrlEncoded.status, 415);
      const unknown = await postPlainForm(base, {
        path: c.page,
        fields: withFields(fields, { _action: "delete-everyone" }),
        cookie,
      });
      assert.equal(unknown.status, 400);
      assert.match(unknown.html, /not on this page any more/);
      assert.deepEqual(await snapshot(), before, "nothing changed");
      // Posted to a page the member may open (and that runs no forms), a form does nothing there either.
      const member = actors.memberWithAccess;
      const elsewhere = await postPlainForm(base, { path: "/devices", fields, cookie: member.cookie });
      assert.equal(elsewhere.status, 200);
      assert.deepEqual(await snapshot(), before, "nothing changed");
    } finally {
      await c.cleanup?.();
    }
  });

  test("a demoted admin's existing session loses the admin actions at once", async () => {
    const email = "demoted.admin@example.com";
    const password = "demoted-admin-password-1";
    const id = await insertUser(email, "admin", { password });
    const cookie = await signIn(email, password);
    const demoted: Actor = { role: "admin", email, id, cookie, token: "" };
    const createForm = await adminPlainForm(GROUPS, "create-group", {});
    const send = async (name: string) =>
      plainAnswer(
        await postPlainForm(world.server.baseUrl, {
          path: GROUPS,
          fields: withFields(createForm.fields, { name, description: "" }),
          cookie,
        }),
      );
    try {
      assert.equal(await send("Demoted admin's first group"), `303 ${GROUPS}`);
      // The real admin demotes them through the users page's own form.
      const roleForm = await adminPlainForm(USERS, "change-role", { userId: id });
      const demote = await postPlainForm(world.server.baseUrl, {
        path: USERS,
        fields: withFields(roleForm.fields, { role: "member" }),
        cookie: actors.admin.cookie,
      });
      assert.equal(plainAnswer(demote), `303 ${USERS}`);
      const before = await snapshot();
      assert.equal(await send("Demoted admin's second group"), "404");
      assert.deepEqual(await snapshot(), before);
      assert.equal(await page(demoted, "/admin/groups"), 404);
    } finally {
      await sql("DELETE FROM groups WHERE name LIKE 'Demoted admin''s%'");
    }
  });
});
