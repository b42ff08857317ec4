/** Domain tests: instance settings against a real database, no server. */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { CLI_ACTOR, userActor } from "@/lib/access/actor";
import { AppError } from "@/lib/errors";
import { getSettings, setLocalLogin } from "@/lib/settings/settings";
import { createUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
before(async () => {
  db = await useDomainDatabase();
});
after(async () => db?.cleanup());

it("local sign-in cannot be switched off without single sign-on, by anyone; members change nothing", async () => {
  const member = await createUser({ email: "m@example.com" }, CLI_ACTOR);
  const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;
  await assert.rejects(setLocalLogin({ enabled: false }, CLI_ACTOR), isCode("conflict"));
  await assert.rejects(
    setLocalLogin({ enabled: true }, userActor(member, { ip: null, userAgent: null })),
    isCode("forbidden"),
  );
  assert.equal((await setLocalLogin({ enabled: true }, CLI_ACTOR)).changed, false);
  assert.equal((await getSettings()).localLoginEnabled, true);
  assert.deepEqual(await db.query("SELECT action FROM audit_events WHERE action = 'settings.change'"), []);
});
