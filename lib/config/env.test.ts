import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { EnvError, parseDuration, parseEnv, parseSize } from "@/lib/config/env";

test("defaults for a fresh machine", () => {
  const env = parseEnv({});
  assert.equal(env.port, 3000);
  assert.equal(env.publicUrl, "http://localhost:3000");
  assert.equal(env.publicUrlIsHttps, false);
  assert.equal(env.databaseUrl, undefined);
  assert.equal(env.dataDir, path.resolve("./data"));
  assert.equal(env.installLinkTtlSeconds, 24 * 3600);
  assert.equal(env.maxUploadBytes, 4 * 1024 ** 3);
});

test("PUBLIC_URL follows PORT by default and loses a trailing slash", () => {
  assert.equal(parseEnv({ PORT: "8080" }).publicUrl, "http://localhost:8080");
  const env = parseEnv({ PUBLIC_URL: "https://apps.example.com/ferry/" });
  assert.equal(env.publicUrl, "https://apps.example.com/ferry");
  assert.equal(env.publicUrlIsHttps, true);
});

test("invalid values are reported by name, all at once", () => {
  try {
    parseEnv({
      PORT: "abc",
      PUBLIC_URL: "ftp://x",
      DATABASE_URL: "mysql://x",
      INSTALL_LINK_TTL: "soon",
      AUTH_SECRET: "short",
    });
    assert.fail("should throw");
  } catch (error) {
    assert.ok(error instanceof EnvError);
    const text = error.message;
    for (const name of ["PORT", "PUBLIC_URL", "DATABASE_URL", "INSTALL_LINK_TTL", "AUTH_SECRET"])
      assert.match(text, new RegExp(name));
  }
});

test("durations and sizes", () => {
  assert.equal(parseDuration("24h"), 86400);
  assert.equal(parseDuration("90m"), 5400);
  assert.equal(parseDuration("7d"), 604800);
  assert.equal(parseDuration("45"), 45);
  assert.equal(parseDuration("tomorrow"), null);
  assert.equal(parseSize("4GB"), 4 * 1024 ** 3);
  assert.equal(parseSize("500 MB"), 500 * 1024 ** 2);
  assert.equal(parseSize("1024"), 1024);
  assert.equal(parseSize("lots"), null);
});

test("UPLOAD_IDLE_TIMEOUT: 60 s by default, a duration of at least 1 s", () => {
  assert.equal(parseEnv({}).uploadIdleTimeoutSeconds, 60);
  assert.equal(parseEnv({ UPLOAD_IDLE_TIMEOUT: "2m" }).uploadIdleTimeoutSeconds, 120);
  assert.equal(parseEnv({ UPLOAD_IDLE_TIMEOUT: "5" }).uploadIdleTimeoutSeconds, 5);
  for (const bad of ["0", "never", "-3s"]) {
    assert.throws(() => parseEnv({ UPLOAD_IDLE_TIMEOUT: bad }), /UPLOAD_IDLE_TIMEOUT/);
  }
});

test("TRUST_PROXY: true is one proxy, a number is that many, false or unset none", () => {
  assert.equal(parseEnv({}).trustProxyHops, 0);
  assert.equal(parseEnv({ TRUST_PROXY: "false" }).trustProxyHops, 0);
  assert.equal(parseEnv({ TRUST_PROXY: "true" }).trustProxyHops, 1);
  assert.equal(parseEnv({ TRUST_PROXY: "1" }).trustProxyHops, 1);
  assert.equal(parseEnv({ TRUST_PROXY: "2" }).trustProxyHops, 2);
  assert.throws(() => parseEnv({ TRUST_PROXY: "yes" }), /TRUST_PROXY/);
  assert.throws(() => parseEnv({ TRUST_PROXY: "11" }), /TRUST_PROXY/);
});

test("SMTP_URL and MAIL_FROM: together or not at all, checked by name", () => {
  assert.equal(parseEnv({}).mail, null);
  const env = parseEnv({ SMTP_URL: "smtp://mail.example.com:587", MAIL_FROM: "Ferry <ferry@example.com>" });
  assert.deepEqual(env.mail, { smtpUrl: "smtp://mail.example.com:587", from: "Ferry <ferry@example.com>" });
  assert.equal(env.notifyBatchWindowSeconds, 120);
  assert.throws(() => parseEnv({ SMTP_URL: "smtp://mail.example.com" }), /MAIL_FROM/);
  assert.throws(() => parseEnv({ SMTP_URL: "http://mail.example.com", MAIL_FROM: "a@b.c" }), /SMTP_URL must be/);
  assert.throws(() => parseEnv({ SMTP_URL: "smtp://m", MAIL_FROM: "not an address" }), /MAIL_FROM must be/);
  assert.throws(() => parseEnv({ NOTIFY_BATCH_WINDOW: "soon" }), /NOTIFY_BATCH_WINDOW/);
  assert.equal(parseEnv({ NOTIFY_BATCH_WINDOW: "0s" }).notifyBatchWindowSeconds, 0);
});

test("AUDIT_RETENTION: 400 days by default, a duration of at least a day, or off", () => {
  assert.equal(parseEnv({}).auditRetentionDays, 400);
  assert.equal(parseEnv({ AUDIT_RETENTION: "90d" }).auditRetentionDays, 90);
  assert.equal(parseEnv({ AUDIT_RETENTION: "off" }).auditRetentionDays, null);
  assert.throws(
    () => parseEnv({ AUDIT_RETENTION: "2h" }),
    (e) => e instanceof EnvError && /AUDIT_RETENTION/.test(e.message),
  );
  assert.throws(() => parseEnv({ AUDIT_RETENTION: "forever" }), EnvError);
});

test("DOWNLOAD_OFFLOAD_SECRET: nginx's report secret, none by default, at least 32 printable characters", () => {
  assert.equal(parseEnv({ DOWNLOAD_OFFLOAD: "nginx" }).downloadOffload?.reportSecret, null);
  const secret = "a".repeat(32);
  assert.equal(
    parseEnv({ DOWNLOAD_OFFLOAD: "nginx", DOWNLOAD_OFFLOAD_SECRET: secret }).downloadOffload?.reportSecret,
    secret,
  );
  for (const bad of ["short", `${"a".repeat(32)} b`]) {
    assert.throws(
      () => parseEnv({ DOWNLOAD_OFFLOAD: "nginx", DOWNLOAD_OFFLOAD_SECRET: bad }),
      (e) => e instanceof EnvError && /DOWNLOAD_OFFLOAD_SECRET/.test(e.message),
    );
  }
});
