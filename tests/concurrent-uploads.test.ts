/**
 * The same bytes uploaded many times at once (CI retries, several pipelines
 * publishing one artifact): exactly one upload creates the build (201), every
 * other one gets the duplicate's 200, never a 500; one row, one file, its icons,
 * and no temporary file left. Icon temp names were once `<pid>.<ms>`, which
 * collided within a millisecond (`ENOENT: rename …57.png.<pid>.<ms>.tmp`).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createToken, type FerryServer, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { queryDatabase } from "./helpers/test-database";

type UploadJson = {
  build?: { id: string; sha256: string };
  duplicate?: { message: string };
  error?: { code: string; message: string };
};

let server: FerryServer;
let token: string;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-concurrent-"));

before(async () => {
  server = await startFerry();
  token = await createToken(server);
});

after(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).sort() : [];
}

for (const parallel of [8, 32]) {
  test(`${parallel} concurrent uploads of the same .ipa: one 201, ${parallel - 1} duplicates (200), one build, nothing left over`, async () => {
    const file = path.join(scratch, `same-${parallel}.ipa`);
    const ipa = await generateIpa(file, {
      bundleId: `com.example.concurrent${parallel}`,
      version: "1.0",
      buildNumber: String(parallel),
      name: "Concurrent",
      padBytes: 256 * 1024,
    });
    const bytes = await fs.openAsBlob(file);
    const answers = await Promise.all(
      Array.from({ length: parallel }, async () => {
        const res = await fetch(`${server.baseUrl}/api/v1/builds`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
          body: bytes,
          signal: AbortSignal.timeout(120_000),
        });
        return { status: res.status, json: (await res.json()) as UploadJson };
      }),
    );
    const statuses = answers.map((a) => a.status).sort();
    const failures = answers.filter((a) => a.status !== 200 && a.status !== 201).map((a) => a.json.error);
    assert.deepEqual(failures, [], "no upload failed");
    assert.deepEqual(statuses, [...Array(parallel - 1).fill(200), 201]);
    const ids = new Set(answers.map((a) => a.json.build?.id));
    assert.equal(ids.size, 1, "every answer names the same build");
    for (const answer of answers.filter((a) => a.status === 200)) assert.ok(answer.json.duplicate?.message);

    const rows = await queryDatabase<{ n: number }>(
      server.databaseUrl,
      "SELECT count(*)::int AS n FROM builds WHERE sha256 = $1",
      [ipa.sha256],
    );
    assert.equal(rows[0]!.n, 1, "one build row");
    const stored = [
      ...filesUnder(path.join(server.dataDir, "builds")),
      ...filesUnder(path.join(server.dataDir, "icons")),
    ];
    assert.ok(stored.includes(path.join(ipa.sha256.slice(0, 2), `${ipa.sha256}.ipa`)), "the .ipa is stored");
    for (const size of [57, 512]) assert.ok(stored.includes(path.join(ipa.sha256, `${size}.png`)), `icon ${size}`);
    assert.deepEqual(
      stored.filter((name) => name.endsWith(".tmp")),
      [],
      "no temporary file under builds/ or icons/",
    );
    assert.deepEqual(
      filesUnder(path.join(server.dataDir, "tmp")).filter((name) => name.endsWith(".part")),
      [],
      "no partial upload left",
    );
  });
}
