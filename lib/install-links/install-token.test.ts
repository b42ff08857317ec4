import assert from "node:assert/strict";
import { createHmac, hkdfSync } from "node:crypto";
import { describe, it } from "node:test";
import { AppError, type ErrorCode } from "@/lib/errors";
import { signInstallToken, verifyInstallToken } from "@/lib/install-links/install-token";

const SECRET = "test-secret-0123456789abcdef0123456789";
const NOW = new Date("2030-01-01T00:00:00Z");
const LATER = new Date("2030-01-01T01:00:00Z");
const CUID = "clx9y8q2k0000abcd1234efgh";
const UUID = "0b5e0f4e-6d2a-4c8f-9e37-1f2a3b4c5d6e";

function rejectsWith(code: ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

function sign(
  overrides: Partial<{
    buildId: string;
    userId: string;
    userVersion: number;
    sessionId: string | null;
    expiresAt: Date;
  }> = {},
): string {
  return signInstallToken({ buildId: CUID, userId: UUID, userVersion: 7, expiresAt: LATER, ...overrides }, SECRET);
}

/** Flip one character to another valid base64url character. */
function flipChar(value: string, index: number): string {
  const c = value[index];
  const replacement = c === "A" ? "B" : "A";
  return value.slice(0, index) + replacement + value.slice(index + 1);
}

describe("install tokens", () => {
  it("round-trips claims", () => {
    const token = sign();
    const claims = verifyInstallToken(token, SECRET, NOW);
    assert.deepEqual(claims, { buildId: CUID, userId: UUID, userVersion: 7, sessionId: null, expiresAt: LATER });
  });

  it("carries the minting session's id, signed, or none", () => {
    const sessionId = "7d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a";
    assert.equal(verifyInstallToken(sign({ sessionId }), SECRET, NOW).sessionId, sessionId);
    assert.equal(verifyInstallToken(sign({ sessionId: null }), SECRET, NOW).sessionId, null);
    assert.throws(() => sign({ sessionId: "not-a-uuid" }), RangeError);
    // Another session's link cannot be relabelled as this one's.
    const mine = sign({ sessionId }).split(".") as [string, string];
    const other = sign({ sessionId: UUID }).split(".") as [string, string];
    rejectsWith("invalid_token", () => verifyInstallToken(`${other[0]}.${mine[1]}`, SECRET, NOW));
  });

  it("round-trips non-ASCII ids", () => {
    const token = sign({ buildId: "bäüld-🚀", userId: "ü" });
    const claims = verifyInstallToken(token, SECRET, NOW);
    assert.equal(claims.buildId, "bäüld-🚀");
    assert.equal(claims.userId, "ü");
  });

  it("is URL-path safe and short enough for a QR code, even with three UUIDs", () => {
    const token = sign({ buildId: UUID, userId: UUID, sessionId: UUID });
    assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.equal(encodeURIComponent(token), token);
    assert.ok(token.length < 175, `token is ${token.length} chars`);
    assert.ok(sign().length < 125);
  });

  it("rounds expiry down to whole seconds (never extends it)", () => {
    const token = sign({ expiresAt: new Date("2030-01-01T01:00:00.999Z") });
    assert.deepEqual(verifyInstallToken(token, SECRET, NOW).expiresAt, LATER);
  });

  it("rejects a tampered payload", () => {
    const [payload, mac] = sign().split(".") as [string, string];
    for (const index of [0, 3, payload.length - 2]) {
      rejectsWith("invalid_token", () => verifyInstallToken(`${flipChar(payload, index)}.${mac}`, SECRET, NOW));
    }
  });

  it("rejects a payload swapped from another token", () => {
    const a = sign().split(".") as [string, string];
    const b = sign({ userId: "someone-else" }).split(".") as [string, string];
    rejectsWith("invalid_token", () => verifyInstallToken(`${b[0]}.${a[1]}`, SECRET, NOW));
  });

  it("rejects a tampered signature", () => {
    const [payload, mac] = sign().split(".") as [string, string];
    rejectsWith("invalid_token", () => verifyInstallToken(`${payload}.${flipChar(mac, 0)}`, SECRET, NOW));
    // Non-canonical trailing bits decode to the same bytes in Node; must still fail.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const lastIndex = alphabet.indexOf(mac.slice(-1));
    const sameBytes = mac.slice(0, -1) + alphabet.charAt(lastIndex ^ 1); // flips an unused low bit
    assert.deepEqual(Buffer.from(sameBytes, "base64url"), Buffer.from(mac, "base64url"));
    rejectsWith("invalid_token", () => verifyInstallToken(`${payload}.${sameBytes}`, SECRET, NOW));
  });

  it("rejects a token signed with another secret", () => {
    const token = signInstallToken(
      { buildId: CUID, userId: UUID, userVersion: 0, expiresAt: LATER },
      "another-secret-0123456789abcdef",
    );
    rejectsWith("invalid_token", () => verifyInstallToken(token, SECRET, NOW));
  });

  it("does not accept a plain HMAC with the raw secret (key is purpose-derived)", () => {
    const [payload] = sign().split(".") as [string, string];
    const raw = createHmac("sha256", SECRET).update(Buffer.from(payload, "base64url")).digest();
    for (const mac of [raw, raw.subarray(0, 16)]) {
      rejectsWith("invalid_token", () => verifyInstallToken(`${payload}.${mac.toString("base64url")}`, SECRET, NOW));
    }
  });

  it("reports expiry with a fixed clock", () => {
    const token = sign();
    assert.doesNotThrow(() => verifyInstallToken(token, SECRET, new Date(LATER.getTime() - 1)));
    rejectsWith("expired_token", () => verifyInstallToken(token, SECRET, LATER));
    rejectsWith("expired_token", () => verifyInstallToken(token, SECRET, new Date("2031-01-01T00:00:00Z")));
  });

  it("reports a forged expired token as invalid, not expired", () => {
    const token = signInstallToken(
      { buildId: CUID, userId: UUID, userVersion: 0, expiresAt: NOW },
      "another-secret-0123456789abcdef",
    );
    rejectsWith("invalid_token", () => verifyInstallToken(token, SECRET, LATER));
  });

  it("rejects truncated tokens", () => {
    const token = sign();
    const dot = token.indexOf(".");
    for (const cut of [1, 5, dot, dot + 1, dot + 5, token.length - 1]) {
      rejectsWith("invalid_token", () => verifyInstallToken(token.slice(0, cut), SECRET, NOW));
    }
    rejectsWith("invalid_token", () => verifyInstallToken(token.slice(3), SECRET, NOW));
  });

  it("rejects garbage without throwing anything but AppError", () => {
    const token = sign();
    const garbage: unknown[] = [
      "",
      ".",
      "..",
      "abc",
      "abc.",
      ".abc",
      "a.b.c",
      `${token}.x`,
      `${token}=`,
      `${token} `,
      token.replace(".", ".."),
      "%00.%00",
      "////.++++",
      "😀.😀",
      "A".repeat(10_000),
      `${"A".repeat(5000)}.${"A".repeat(5000)}`,
      "AAAA.AAAAAAAAAAAAAAAAAAAAAA",
      null,
      undefined,
      42,
      {},
    ];
    for (const value of garbage) {
      // Deliberately bypass the type to simulate untyped route params.
      rejectsWith("invalid_token", () => verifyInstallToken(value as string, SECRET, NOW));
    }
  });

  it("refuses a missing or weak secret as a server error", () => {
    const token = sign();
    rejectsWith("internal", () => verifyInstallToken(token, "", NOW));
    rejectsWith("internal", () => verifyInstallToken(token, "short", NOW));
    rejectsWith("internal", () =>
      signInstallToken({ buildId: CUID, userId: UUID, userVersion: 0, expiresAt: LATER }, ""),
    );
  });

  it("refuses to sign invalid claims", () => {
    assert.throws(() => sign({ buildId: "" }), RangeError);
    assert.throws(() => sign({ userId: "x".repeat(256) }), RangeError);
    assert.throws(() => sign({ expiresAt: new Date(Number.NaN) }), RangeError);
    assert.throws(() => sign({ expiresAt: new Date("2200-01-01T00:00:00Z") }), RangeError);
    for (const userVersion of [-1, 1.5, 2 ** 32, Number.NaN]) {
      assert.throws(() => sign({ userVersion }), RangeError, String(userVersion));
    }
  });

  it("carries the user's version, signed: a link minted before a revocation cannot be relabelled", () => {
    assert.equal(verifyInstallToken(sign({ userVersion: 0 }), SECRET, NOW).userVersion, 0);
    assert.equal(verifyInstallToken(sign({ userVersion: 2 ** 32 - 1 }), SECRET, NOW).userVersion, 2 ** 32 - 1);
    const old = sign({ userVersion: 3 }).split(".") as [string, string];
    const current = sign({ userVersion: 4 }).split(".") as [string, string];
    assert.notEqual(old[0], current[0]);
    rejectsWith("invalid_token", () => verifyInstallToken(`${current[0]}.${old[1]}`, SECRET, NOW));
  });

  it("refuses version-1 tokens (minted before links carried the user's version), even correctly signed", () => {
    // Version 1 layout: u8 version, u32 expiry, u8 + buildId, u8 + userId; MAC as today.
    const build = Buffer.from(CUID);
    const user = Buffer.from(UUID);
    const payload = Buffer.concat([
      Buffer.from([1]),
      Buffer.from([0, 0, 0, 0]),
      Buffer.from([build.length]),
      build,
      Buffer.from([user.length]),
      user,
    ]);
    payload.writeUInt32BE(LATER.getTime() / 1000, 1);
    const key = Buffer.from(hkdfSync("sha256", SECRET, Buffer.alloc(0), "ferry install-link v1", 32));
    const mac = createHmac("sha256", key).update(payload).digest().subarray(0, 16);
    rejectsWith("invalid_token", () =>
      verifyInstallToken(`${payload.toString("base64url")}.${mac.toString("base64url")}`, SECRET, NOW),
    );
  });
  it("reads version-2 tokens (minted before links carried their session) as minted by no session", () => {
    // Version 2 layout: u8 version, u32 expiry, u32 user version, u8 + buildId, u8 + userId; MAC as today.
    const build = Buffer.from(CUID);
    const user = Buffer.from(UUID);
    const head = Buffer.alloc(9);
    head.writeUInt8(2, 0);
    head.writeUInt32BE(LATER.getTime() / 1000, 1);
    head.writeUInt32BE(7, 5);
    const payload = Buffer.concat([head, Buffer.from([build.length]), build, Buffer.from([user.length]), user]);
    const key = Buffer.from(hkdfSync("sha256", SECRET, Buffer.alloc(0), "ferry install-link v1", 32));
    const mac = createHmac("sha256", key).update(payload).digest().subarray(0, 16);
    const claims = verifyInstallToken(`${payload.toString("base64url")}.${mac.toString("base64url")}`, SECRET, NOW);
    assert.deepEqual(claims, { buildId: CUID, userId: UUID, userVersion: 7, sessionId: null, expiresAt: LATER });
    // One byte more (a truncated v3 session field in v2 clothing) is refused.
    const longer = Buffer.concat([payload, Buffer.from([0])]);
    const mac2 = createHmac("sha256", key).update(longer).digest().subarray(0, 16);
    rejectsWith("invalid_token", () =>
      verifyInstallToken(`${longer.toString("base64url")}.${mac2.toString("base64url")}`, SECRET, NOW),
    );
  });
});
