/** Domain tests: API tokens against a real database, no server. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR, userActor } from "@/lib/access/actor";
import { AppError } from "@/lib/errors";
import { authenticateApiToken } from "@/lib/tokens/api-tokens";
import { createApiToken, revokeApiToken } from "@/lib/tokens/mutations";
import type { UserDto } from "@/lib/users/data";
import { createUser, disableUser } from "@/lib/users/mutations";
import { useDomainDatabase } from "@/tests/helpers/domain-database";

let db: Awaited<ReturnType<typeof useDomainDatabase>>;
let member: UserDto;
let uploader: UserDto;
const context = { ip: null, userAgent: null };
const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

before(async () => {
  db = await useDomainDatabase();
  member = await createUser({ email: "member@example.com" }, CLI_ACTOR);
  uploader = await createUser({ email: "uploader@example.com", role: "uploader" }, CLI_ACTOR);
});
after(async () => db?.cleanup());

describe("API tokens", () => {
  it("default scopes follow the role; members never get upload, on any entry point", async () => {
    const memberToken = await createApiToken({ owner: member, name: "ci" }, CLI_ACTOR);
    assert.deepEqual(memberToken.apiToken.scopes, ["read"]);
    const uploaderToken = await createApiToken({ owner: uploader, name: "ci" }, userActor(uploader, context));
    assert.deepEqual(uploaderToken.apiToken.scopes, ["upload", "read"]);
    await assert.rejects(
      createApiToken({ owner: member, name: "x", scopes: ["upload"] }, CLI_ACTOR),
      isCode("forbidden"),
    );
    await assert.rejects(
      createApiToken({ owner: member, name: "x", scopes: ["upload", "read"] }, userActor(member, context)),
      isCode("forbidden"),
    );
    assert.deepEqual((await authenticateApiToken(uploaderToken.token))?.scopes, ["upload", "read"]);
  });

  it("nobody mints a token for someone else on the web, not even an admin", async () => {
    const admin = await createUser({ email: "admin@example.com", role: "admin" }, CLI_ACTOR);
    await assert.rejects(createApiToken({ owner: member, name: "x" }, userActor(admin, context)), isCode("forbidden"));
  });

  it("revoking: only the owner's own token, once; audited", async () => {
    const { token, apiToken } = await createApiToken({ owner: uploader, name: "rev" }, CLI_ACTOR);
    await assert.rejects(revokeApiToken({ tokenId: apiToken.id }, userActor(member, context)), isCode("not_found"));
    await revokeApiToken({ tokenId: apiToken.id }, userActor(uploader, context));
    await assert.rejects(revokeApiToken({ tokenId: apiToken.id }, userActor(uploader, context)), isCode("not_found"));
    assert.equal(await authenticateApiToken(token), null);
    const rows = await db.query<{ actor_email: string }>(
      "SELECT actor_email FROM audit_events WHERE action = 'token.revoke' AND target_id = $1",
      [apiToken.id],
    );
    assert.deepEqual(rows, [{ actor_email: "uploader@example.com" }]);
  });

  it("a disabled owner gets no new token, and their old ones stop working", async () => {
    const leaver = await createUser({ email: "leaver@example.com", role: "uploader" }, CLI_ACTOR);
    const { token } = await createApiToken({ owner: leaver, name: "old" }, CLI_ACTOR);
    await disableUser({ userId: leaver.id }, CLI_ACTOR);
    assert.equal(await authenticateApiToken(token), null);
    await assert.rejects(
      createApiToken({ owner: { ...leaver, disabled: true }, name: "new" }, CLI_ACTOR),
      isCode("forbidden"),
    );
  });
});
