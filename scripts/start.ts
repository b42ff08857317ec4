/**
 * `npm start`: validates configuration, brings up the database (embedded
 * PostgreSQL unless DATABASE_URL is set), applies migrations, creates the first
 * admin, builds the app if no build exists, then serves it.
 */
// First, before Next.js loads: no telemetry unless the operator asks for it.
import "@/lib/boot/next-telemetry";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import next from "next";
import { flushAuditQueue } from "@/lib/audit/audit-queue";
import { ensureFirstAdmin } from "@/lib/boot/first-admin";
import { startLocalSweeps } from "@/lib/boot/local-sweeps";
import { installPagesRenderer } from "@/lib/boot/pages-renderer";
import { prepareRuntime } from "@/lib/boot/prepare-runtime";
import { SetupError } from "@/lib/boot/setup-error";
import { EnvError } from "@/lib/config/env";
import { disconnectPrisma } from "@/lib/db/client";
import { databaseUnavailableError } from "@/lib/db/database-errors";
import { databaseAvailable, watchDatabase } from "@/lib/db/database-health";
import { bodyLimitFor } from "@/lib/http/body-limits";
import { serveDatabaseFailuresAs503 } from "@/lib/http/database-failure";
import {
  answerTooLarge,
  boundUnreadBody,
  bufferRequestBody,
  declaredLength,
  hasRequestBody,
} from "@/lib/http/request-body-cap";
import { CLIENT_IP_HEADER, clientIpFor } from "@/lib/http/request-context";
import { restoreContentLength } from "@/lib/http/restore-content-length";
import { markFerryServer, runWithServerRequest } from "@/lib/http/server-request";
import { JOB_HANDLERS, SWEEP_HANDLERS } from "@/lib/jobs/handlers";
import { startSchedule } from "@/lib/jobs/schedule";
import { startJobWorker } from "@/lib/jobs/worker";
import { startNotificationWorker } from "@/lib/notifications/worker";
import { startWebhookWorker } from "@/lib/webhooks/deliveries";

const root = path.resolve(import.meta.dirname, "..");
const log = (line: string) => console.log(`[ferry] ${line}`);

function ensureBuilt(): void {
  if (fs.existsSync(path.join(root, ".next", "BUILD_ID"))) return;
  log("No production build found: running `next build` (once; `npm run build` rebuilds)");
  const result = spawnSync(
    process.execPath,
    [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  if (result.status !== 0) throw new Error("next build failed");
}

/**
 * While a request body is arriving, its socket is closed after `idleMs` without
 * a byte (UPLOAD_IDLE_TIMEOUT): the upload then fails as interrupted and its
 * temporary file is removed. Once the body is complete the timer is cleared, so
 * analysing a large build or a slow download is never cut short.
 */
function watchIdleBody(req: http.IncomingMessage, idleMs: number): void {
  const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
  if (!hasBody) return;
  const socket = req.socket;
  // No listener for the timeout: Node's server then destroys the socket.
  socket.setTimeout(idleMs);
  req.once("end", () => socket.setTimeout(0));
}

/** While the database is known to be down: 503 at once, JSON for API and install routes, a short page otherwise. */
function answerDatabaseUnavailable(req: http.IncomingMessage, res: http.ServerResponse): void {
  const { code, message, status } = databaseUnavailableError();
  const json = /^\/(api|d)\//.test(req.url ?? "");
  res.statusCode = status;
  res.setHeader("Retry-After", "5");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Type", json ? "application/json" : "text/html; charset=utf-8");
  res.end(
    json
      ? JSON.stringify({ error: { code, message } })
      : `<!doctype html><meta charset="utf-8"><title>Ferry is unavailable</title><h1>Ferry is unavailable</h1><p>${message}</p>`,
  );
}

async function main(): Promise<void> {
  const runtime = await prepareRuntime(log, {
    superviseDatabase: {
      // Exit so the process supervisor (systemd, Docker) restarts Ferry as a whole.
      onGiveUp: (reason) => {
        console.error(`[ferry] ${reason}: exiting`);
        process.exit(1);
      },
    },
  });
  const { env, database } = runtime;
  await ensureFirstAdmin((line) => console.log(line));
  await disconnectPrisma();
  if (!env.publicUrlIsHttps) {
    log(
      `warning: PUBLIC_URL is ${env.publicUrl}. iPhones install only over https with a trusted certificate; set PUBLIC_URL to your https address.`,
    );
  }
  // `npm run dev`: the same server with Next.js' development mode (hot reload, no build).
  const dev = process.argv.includes("--dev");
  if (!dev) ensureBuilt();

  // Before Next.js loads its pages runtime: the pages without the React runtime render to a string (lib/boot/pages-renderer.ts).
  if (!dev) installPagesRenderer();
  const app = next({ dev, dir: root, hostname: env.hostname ?? "0.0.0.0", port: env.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const stopWatching = watchDatabase(database.url, log);
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    restoreContentLength(res);
    if (env.publicUrlIsHttps) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    const hasBody = hasRequestBody(req);
    // Whoever answers before the body's end (503 below, a 413, a route refusing the caller), the rest is not read forever.
    if (hasBody) boundUnreadBody(req, res);
    if (!databaseAvailable() && !req.url?.startsWith("/_next/")) {
      answerDatabaseUnavailable(req, res);
      return;
    }
    const forwarded = req.headers["x-forwarded-for"];
    req.headers[CLIENT_IP_HEADER] = clientIpFor(
      req.socket.remoteAddress,
      Array.isArray(forwarded) ? forwarded.join(",") : forwarded,
      env.trustProxyHops,
    );
    const run = () =>
      void runWithServerRequest(req, res, () => {
        serveDatabaseFailuresAs503(res);
        return handle(req, res);
      });
    if (!hasBody) {
      run();
      return;
    }
    // Every body has a limit (lib/http/body-limits.ts); a declared one over it is refused unread.
    const limit = bodyLimitFor(req.method, req.url, env.maxUploadBytes);
    if ((declaredLength(req) ?? 0) > limit.maxBytes) {
      answerTooLarge(req, res, limit);
      return;
    }
    watchIdleBody(req, env.uploadIdleTimeoutSeconds * 1000);
    // Uploads read `req` and downloads write `res` themselves, not through Next's web streams (lib/http/server-request.ts).
    if (limit.readBy === "route") {
      run();
      return;
    }
    void bufferRequestBody(req, limit).then((result) => {
      if (result === "complete") run();
      else if (result === "too_large") answerTooLarge(req, res, limit);
    });
  };
  markFerryServer();
  const server = http.createServer(onRequest);
  // `Expect: 100-continue` (curl for bodies over 1 MiB): a declared body over its limit is refused
  // before the client sends it; otherwise the client is told to go on.
  server.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const limit = bodyLimitFor(req.method, req.url, env.maxUploadBytes);
    if ((declaredLength(req) ?? 0) > limit.maxBytes) {
      boundUnreadBody(req, res);
      answerTooLarge(req, res, limit);
      return;
    }
    res.writeContinue();
    onRequest(req, res);
  });
  // Large uploads on slow links: no whole-request deadline; a body that stops
  // arriving is cut off by watchIdleBody instead.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(env.port, env.hostname ?? "0.0.0.0", resolve));
  log(`Ferry is listening on port ${env.port}; open ${env.publicUrl}`);
  // This instance's own DATA_DIR (partial uploads, temp files); shared clean-ups are scheduled jobs below.
  const stopLocalSweeps = startLocalSweeps({
    dataDir: env.dataDir,
    uploadIdleTimeoutSeconds: env.uploadIdleTimeoutSeconds,
    log,
  });
  // Tests only (their receivers listen on 127.0.0.1): said at every start, so it is never on unnoticed.
  if (env.webhookAllowLoopback)
    log("warning: WEBHOOK_ALLOW_LOOPBACK=true: webhooks may reach this machine (tests only)");
  const stopWebhooks = startWebhookWorker({ retryBaseSeconds: env.webhookRetryBaseSeconds, log });
  // Email notifications: only with SMTP_URL and MAIL_FROM (nothing is queued otherwise).
  const stopNotifications = startNotificationWorker({ log });
  // Durable jobs (re-signing, provisioning, the periodic sweeps): queued or interrupted work is resumed
  // here after a restart (lib/jobs/). Sweeps have their own lane, so a long re-sign never holds them up.
  const stopJobs: (() => void)[] = [];
  if (env.jobWorker) {
    stopJobs.push(startJobWorker({ handlers: JOB_HANDLERS, log }));
    stopJobs.push(startJobWorker({ handlers: SWEEP_HANDLERS, log }));
    stopJobs.push(startSchedule({ log }));
  } else {
    log("JOB_WORKER=false: this instance runs no background jobs or sweeps");
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    stopWebhooks();
    stopNotifications?.();
    stopLocalSweeps();
    for (const stop of stopJobs) stop();
    server.close();
    server.closeAllConnections();
    stopWatching();
    // Audit rows of the last fetches and downloads are written in batches: none is lost on a clean stop.
    await flushAuditQueue().catch(() => {});
    await app.close().catch(() => {});
    await disconnectPrisma().catch(() => {});
    await database.stop().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof EnvError || error instanceof SetupError) {
    console.error(error.message);
  } else {
    console.error("[ferry] failed to start:", error);
  }
  process.exit(1);
});
