import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { startFerry } from "./helpers/ferry-server";
import { passwordSession } from "./helpers/session";

const PAGE = process.env.PROF_PAGE ?? "/admin/groups";
test("prof", { timeout: 600_000 }, async () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "prof-"));
  fs.chmodSync(scratch, 0o755);
  fs.rmSync("/work/tmp-mem/prof", { recursive: true, force: true });
  const server = await startFerry({
    dataDir: path.join(scratch, "data"),
    databaseUrl: "postgresql://postgres@127.0.0.1:5432/ferry_scale",
    launcher: "compiled",
    env: {
      AUDIT_RETENTION: "off",
      NODE_OPTIONS: "--cpu-prof --cpu-prof-dir=/work/tmp-mem/prof --cpu-prof-interval=200",
    },
  });
  try {
    const cookie = (await passwordSession(server.baseUrl, "admin@example.com", "scale-admin-password")) ?? "";
    const first = await (await fetch(`${server.baseUrl}${PAGE}`, { headers: { cookie } })).text();
    fs.writeFileSync("/work/tmp-mem/prof-page.html", first);
    for (let i = 0; i < Number(process.env.PROF_N ?? 200); i++)
      await (await fetch(`${server.baseUrl}${PAGE}`, { headers: { cookie } })).text();
  } finally {
    await server.stop();
  }
});
