import assert from "node:assert/strict";
import { test } from "node:test";
import { CSRF_COOKIE_NAMES, csrfTokenFromCookie, mintCsrfCookie } from "@/lib/auth/csrf-token";

const SECRET = "a-secret-long-enough-for-the-test-0123456789";

test("a minted cookie is read back as genuine, under next-auth's name for http and https", () => {
  const plain = mintCsrfCookie(SECRET, false);
  const secure = mintCsrfCookie(SECRET, true);
  assert.equal(plain.name, CSRF_COOKIE_NAMES[1]);
  assert.equal(secure.name, CSRF_COOKIE_NAMES[0]);
  const token = csrfTokenFromCookie(plain.value, SECRET);
  assert.match(token ?? "", /^[0-9a-f]{64}$/);
  assert.equal(plain.value.split("|")[0], token);
  assert.notEqual(plain.value, mintCsrfCookie(SECRET, false).value);
});

test("a cookie signed with another secret or altered is refused", () => {
  const { value } = mintCsrfCookie(SECRET, false);
  assert.equal(csrfTokenFromCookie(value, `${SECRET}x`), null);
  const [token, hash] = value.split("|");
  assert.equal(csrfTokenFromCookie(`${token}0|${hash}`, SECRET), null);
  assert.equal(csrfTokenFromCookie(token, SECRET), null);
  assert.equal(csrfTokenFromCookie(undefined, SECRET), null);
});
