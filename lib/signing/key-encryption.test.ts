import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, test } from "node:test";
import { EnvError, parseEnv } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { decryptSigningKey, encryptSigningKey } from "@/lib/signing/key-encryption";

const SECRET = "a-signing-key-secret-of-at-least-32-characters";
const OTHER_SECRET = "another-signing-key-secret-of-32-characters-or-more";
const ID = "idn_01";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;

const pkcs8 = (key: KeyObject) => key.export({ type: "pkcs8", format: "der" });

function assertUnreadable(fn: () => unknown): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, "signing_key_unreadable");
    assert.equal(error.status, 500);
    assert.ok(!error.message.includes(SECRET) && !error.message.includes(OTHER_SECRET));
    return true;
  });
}

describe("signing keys at rest", () => {
  test("round trip, RSA and EC: the same key comes back", () => {
    for (const key of [rsa, ec]) {
      const blob = encryptSigningKey(key, ID, SECRET);
      assert.deepEqual(pkcs8(decryptSigningKey(blob, ID, SECRET)), pkcs8(key));
    }
  });

  test("versioned, random nonce: the key's bytes are not in the blob, and two encryptions differ", () => {
    const a = encryptSigningKey(rsa, ID, SECRET);
    const b = encryptSigningKey(rsa, ID, SECRET);
    assert.equal(a[0], 1);
    assert.notDeepEqual(a.subarray(1, 13), b.subarray(1, 13));
    assert.notDeepEqual(a, b);
    const der = pkcs8(rsa);
    assert.equal(a.length, 1 + 12 + der.length + 16);
    assert.equal(a.includes(der.subarray(0, 64)), false);
  });

  test("any changed byte (version, nonce, ciphertext, tag) or a truncated blob is refused", () => {
    const blob = encryptSigningKey(ec, ID, SECRET);
    for (const at of [0, 1, 12, 13, Math.floor(blob.length / 2), blob.length - 17, blob.length - 1]) {
      const tampered = Buffer.from(blob);
      tampered[at] = (tampered[at] ?? 0) ^ 0x01;
      assertUnreadable(() => decryptSigningKey(tampered, ID, SECRET));
    }
    assertUnreadable(() => decryptSigningKey(blob.subarray(0, blob.length - 1), ID, SECRET));
    assertUnreadable(() => decryptSigningKey(Buffer.alloc(0), ID, SECRET));
  });

  test("a wrong secret is refused", () => {
    assertUnreadable(() => decryptSigningKey(encryptSigningKey(ec, ID, SECRET), ID, OTHER_SECRET));
  });

  test("a blob moved to another identity's row is refused (the id is associated data)", () => {
    const blob = encryptSigningKey(ec, ID, SECRET);
    assertUnreadable(() => decryptSigningKey(blob, "idn_02", SECRET));
    assertUnreadable(() => decryptSigningKey(blob, `${ID} `, SECRET));
  });
});

describe("SIGNING_KEY_SECRET", () => {
  test("optional, at least 32 characters", () => {
    assert.equal(parseEnv({}).signingKeySecret, undefined);
    assert.equal(parseEnv({ SIGNING_KEY_SECRET: SECRET }).signingKeySecret, SECRET);
    assert.throws(
      () => parseEnv({ SIGNING_KEY_SECRET: "too short" }),
      (error: unknown) => error instanceof EnvError && /SIGNING_KEY_SECRET must be at least 32/.test(error.message),
    );
  });
});
