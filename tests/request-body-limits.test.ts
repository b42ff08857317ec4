/**
 * Issue 20: every route has a body limit (lib/http/body-limits.ts) that Ferry's
 * own server enforces while reading, so nobody, signed in or not, can make it
 * hold a large body: a declared Content-Length over the limit is refused with
 * 413 before a byte of the body is read, a chunked body is cut with 413 once it
 * passes the limit, and the JSON routes refuse a caller without the right
 * before reading the body at all. Bodies within their limit still work.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import {
  AUTH_BODY_MAX_BYTES,
  DEFAULT_API_BODY_MAX_BYTES,
  JSON_BODY_MAX_BYTES,
  PAGE_BODY_MAX_BYTES,
} from "@/lib/http/body-limits";
import { createToken, createUser, type FerryServer, startFerry } from "./helpers/ferry-server";
import { type RawAnswer, rawRequest } from "./helpers/raw-http";
import { passwordSession } from "./helpers/session";

const MiB = 1024 * 1024;
const HOSTILE = 300 * MiB;

let server: FerryServer;
let port: number;
let adminToken: string;
let uploaderToken: string;
let memberCookie: string;

const MEMBER = { email: "member@example.com", password: "member-password-1", role: "member" as const };
const UPLOADER = { email: "uploader@example.com", password: "uploader-password-1", role: "uploader" as const };
const SOME_BUILD = "00000000-0000-4000-8000-000000000000";

before(
  async () => {
    server = await startFerry();
    port = Number(new URL(server.baseUrl).port);
    await createUser(server, MEMBER);
    await createUser(server, UPLOADER);
    adminToken = await createToken(server);
    uploaderToken = await createToken(server, UPLOADER.email, ["--scopes", "upload,read"]);
    const cookie = await passwordSession(server.baseUrl, MEMBER.email, MEMBER.password);
    assert.ok(cookie, "the member signs in");
    memberCookie = cookie;
  },
  { timeout: 120_000 },
);

after(async () => {
  await server?.stop();
});

function assertTooLarge(answer: RawAnswer): void {
  assert.equal(answer.status, 413, answer.body);
  assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, "payload_too_large");
}

describe("sign-in endpoints (/api/auth/*), unauthenticated", { timeout: 120_000 }, () => {
  test("a declared 300 MB form post gets 413 before its body is sent", async () => {
    const answer = await rawRequest(port, {
      method: "POST",
      path: "/api/auth/callback/credentials",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      contentLength: HOSTILE,
      // Only a sliver is sent: a server that waits for the rest never answers.
      send: 64 * 1024,
      timeoutMs: 15_000,
    });
    assertTooLarge(answer);
  });

  test("a chunked form post is cut with 413 once it passes the limit, long before it ends", async () => {
    const answer = await rawRequest(port, {
      method: "POST",
      path: "/api/auth/callback/credentials",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      send: HOSTILE,
    });
    assertTooLarge(answer);
    // Bytes, not time: the answer came after about the limit, not after the 300 MB.
    assert.ok(answer.sentBeforeAnswer < 64 * MiB, `answered after ${answer.sentBeforeAnswer} bytes`);
  });

  test("Expect: 100-continue with a body over the limit: 413 and no 100 Continue", async () => {
    const answer = await rawRequest(port, {
      method: "POST",
      path: "/api/auth/callback/credentials",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Expect: "100-continue" },
      contentLength: HOSTILE,
      send: 0,
      timeoutMs: 15_000,
    });
    assertTooLarge(answer);
    assert.deepEqual(answer.statusLines.length, 1, `no interim answer: ${answer.statusLines.join(" / ")}`);
  });

  test("a body just within the limit still reaches next-auth, and sign-in still works", async () => {
    // next-auth's own answer (no CSRF token: a redirect), not ours.
    const answer = await rawRequest(port, {
      method: "POST",
      path: "/api/auth/callback/credentials",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      send: AUTH_BODY_MAX_BYTES,
      complete: true,
    });
    assert.notEqual(answer.status, 413);
    assert.ok(answer.status < 500, `status ${answer.status}: ${answer.body}`);
    assert.ok(await passwordSession(server.baseUrl, MEMBER.email, MEMBER.password), "sign-in works");
  });
});

describe("pages, server actions and other routes", { timeout: 120_000 }, () => {
  test("a chunked post to a page over the page limit gets 413", async () => {
    const answer = await rawRequest(port, {
      method: "POST",
      path: "/sign-in",
      headers: { "Content-Type": "multipart/form-data; boundary=x", Origin: server.baseUrl },
      send: HOSTILE,
    });
    assertTooLarge(answer);
    assert.ok(answer.sentBeforeAnswer < PAGE_BODY_MAX_BYTES + 64 * MiB);
  });

  test("a declared body over the limit of a route that reads none gets 413 at once", async () => {
    const answer = await rawRequest(port, {
      method: "POST",
      path: "/api/v1/openapi.json",
      contentLength: DEFAULT_API_BODY_MAX_BYTES + 1,
      send: 0,
      timeoutMs: 15_000,
    });
    assertTooLarge(answer);
  });
});

describe("JSON routes: the caller's right first, then a bounded read", { timeout: 120_000 }, () => {
  // A Content-Length within the limit, but only a sliver sent: a route that reads the body
  // before checking the caller waits for the rest and never answers.
  const unsentBody = { contentLength: JSON_BODY_MAX_BYTES - 1, send: 1024, timeoutMs: 15_000 };

  test("a member's PATCH of release notes is refused before the body is read", async () => {
    const answer = await rawRequest(port, {
      method: "PATCH",
      path: `/api/v1/builds/${SOME_BUILD}`,
      headers: { "Content-Type": "application/json", Cookie: memberCookie, Origin: server.baseUrl },
      ...unsentBody,
    });
    assert.equal(answer.status, 403, answer.body);
  });

  test("a member's promotion to a channel is refused before the body is read", async () => {
    const answer = await rawRequest(port, {
      method: "POST",
      path: `/api/v1/builds/${SOME_BUILD}/channels`,
      headers: { "Content-Type": "application/json", Cookie: memberCookie, Origin: server.baseUrl },
      ...unsentBody,
    });
    assert.equal(answer.status, 403, answer.body);
  });

  test("an uploader's new webhook is refused before the body is read", async () => {
    const answer = await rawRequest(port, {
      method: "POST",
      path: `/api/v1/apps/${SOME_BUILD}/webhooks`,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${uploaderToken}` },
      ...unsentBody,
    });
    assert.equal(answer.status, 403, answer.body);
  });

  for (const [method, path] of [
    ["PATCH", `/api/v1/builds/${SOME_BUILD}`],
    ["POST", `/api/v1/builds/${SOME_BUILD}/channels`],
    ["POST", `/api/v1/apps/${SOME_BUILD}/webhooks`],
  ] as const) {
    test(`${method} ${path.replace(SOME_BUILD, "{id}")}: an admin's chunked body past the limit gets 413`, async () => {
      const answer = await rawRequest(port, {
        method,
        path,
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${adminToken}` },
        send: HOSTILE,
      });
      assertTooLarge(answer);
      assert.ok(answer.sentBeforeAnswer < 64 * MiB, `answered after ${answer.sentBeforeAnswer} bytes`);
    });
  }

  test("a JSON body within the limit is read: the route answers about its content", async () => {
    const res = await fetch(`${server.baseUrl}/api/v1/builds/${SOME_BUILD}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ notes: "é".repeat(10_000) }),
    });
    // No such build: the body was read and parsed, then the build looked up.
    assert.equal(res.status, 404, await res.clone().text());
    const bad = await fetch(`${server.baseUrl}/api/v1/builds/${SOME_BUILD}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
      body: "not json",
    });
    assert.equal(bad.status, 400);
  });
});

test("a client that ignores the answer and keeps sending is disconnected, not read forever", {
  timeout: 60_000,
}, async () => {
  // A member's PATCH is refused before its body is read; this client then dribbles 1 KiB every
  // 50 ms for ever. Node alone would keep reading (and discarding) as long as it comes.
  const socket = net.connect(port, "127.0.0.1");
  let answer = "";
  let written = 0;
  const closed = new Promise<"closed" | "still open">((resolve) => {
    socket.on("close", () => resolve("closed"));
    socket.on("error", () => resolve("closed"));
    setTimeout(() => resolve("still open"), 40_000).unref();
  });
  socket.on("data", (d: Buffer) => {
    answer += d.toString("latin1");
  });
  socket.write(
    [
      `PATCH /api/v1/builds/${SOME_BUILD} HTTP/1.1`,
      "Host: 127.0.0.1",
      "Content-Type: application/json",
      `Cookie: ${memberCookie}`,
      `Origin: ${server.baseUrl}`,
      "Transfer-Encoding: chunked",
      "",
      "",
    ].join("\r\n"),
  );
  const dribble = setInterval(() => {
    if (socket.destroyed) return;
    socket.write(`400\r\n${" ".repeat(1024)}\r\n`);
    written += 1024;
  }, 50);
  try {
    assert.equal(await closed, "closed", `the server still reads after ${written} bytes`);
  } finally {
    clearInterval(dribble);
    socket.destroy();
  }
  assert.match(answer, /^HTTP\/1\.1 403 /, "the answer came first");
});
