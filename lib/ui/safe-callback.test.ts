import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { safeCallbackPath } from "@/lib/ui/safe-callback";

const PUBLIC_URL = "https://ferry.example.com";
const PREFIXED_PUBLIC_URL = "https://apps.example.com/ferry";

// Each becomes "/": they leave the origin in some browser or parser, or cannot be a header value.
const HOSTILE: string[] = [
  // protocol-relative and backslash tricks, raw and encoded
  "//evil.example",
  "//evil.example/path",
  "///evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "\\/evil.example",
  "/\\/evil.example",
  "/%2F/evil.example",
  "/%2f%2fevil.example",
  "/%5Cevil.example",
  "/%5cevil.example",
  "/%255Cevil.example",
  "/%252F%252Fevil.example",
  "/%25252F%25252Fevil.example",
  "/%2525252F%2525252Fevil.example",
  "/apps//evil.example",
  // characters browsers drop from URLs (tab, LF, CR), raw and encoded
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "/\r/evil.example",
  "/%09/evil.example",
  "/%0A/evil.example",
  "/%0a/evil.example",
  "/%0D%0A/evil.example",
  "/%0D/evil.example",
  "/%2509/evil.example",
  "/\t\\evil.example",
  // other control characters, spaces, NUL
  "/\0/evil.example",
  "/%00/evil.example",
  "/\x7f/evil.example",
  "/%7F",
  "/%C2%85/evil.example",
  "/ /evil.example",
  " /evil.example",
  "/evil.example ",
  "/\u00a0/evil.example",
  // header injection
  "/\r\nSet-Cookie: a=b",
  "/%0D%0ASet-Cookie:%20a=b",
  "/x\r\nLocation: https://evil.example",
  // non-ASCII, raw and encoded
  "/café",
  "/caf%C3%A9",
  "/\u2028/evil.example",
  "/%E2%80%A8/evil.example",
  "/\u3002evil.example",
  "/\uff0f\uff0fevil.example",
  "/%EF%BC%8F%EF%BC%8Fevil.example",
  "/🙂",
  "/\ud800",
  // malformed percent-encoding
  "/%",
  "/%zz",
  "/%E2%80",
  // absolute URLs to other origins and other schemes
  "https://evil.example",
  "https://evil.example/",
  "http://evil.example/sign-in",
  "https://ferry.example.com.evil.example/",
  "https://ferry.example.com@evil.example/",
  "https://evil.example\\@ferry.example.com/",
  "http://ferry.example.com/",
  "https://ferry.example.com:444/",
  "https:evil.example",
  "https:/evil.example",
  "javascript:alert(1)",
  "JavaScript:alert(document.domain)",
  "javascript://%0Aalert(1)",
  "java\tscript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "vbscript:msgbox(1)",
  "file:///etc/passwd",
  "evil.example",
  "evil.example/path",
  ".//evil.example",
  "./evil.example",
  "../evil.example",
  "?x=1",
  "#frag",
  // quotes and angle brackets have no place in our paths
  '/"><script>alert(1)</script>',
  "/<svg onload=alert(1)>",
  "/`",
  "/{x}",
  // empty and huge
  "",
  `/${"a".repeat(5000)}`,
];

const KEPT: [string, string][] = [
  ["/", "/"],
  ["/apps/3f2504e0-4f89-41d3-9a0c-0305e82c3301", "/apps/3f2504e0-4f89-41d3-9a0c-0305e82c3301"],
  ["/apps/a/builds/b?tab=install#qr", "/apps/a/builds/b?tab=install#qr"],
  ["/admin/audit?q=alice%40example.com&action=ipa.download", "/admin/audit?q=alice%40example.com&action=ipa.download"],
  ["/admin/audit?q=two%20words", "/admin/audit?q=two%20words"],
  ["/settings", "/settings"],
  ["/a/./b/../c", "/a/./b/../c"],
];

describe("safeCallbackPath", () => {
  test("hostile callbacks become /", () => {
    for (const payload of HOSTILE) {
      assert.equal(safeCallbackPath(payload, PUBLIC_URL), "/", JSON.stringify(payload));
      assert.equal(safeCallbackPath(payload), "/", JSON.stringify(payload));
      assert.equal(safeCallbackPath(payload, PREFIXED_PUBLIC_URL), "/", JSON.stringify(payload));
    }
  });

  test("missing values become /", () => {
    assert.equal(safeCallbackPath(undefined), "/");
    assert.equal(safeCallbackPath(null), "/");
    assert.equal(safeCallbackPath(undefined, PUBLIC_URL), "/");
  });

  test("ordinary same-origin paths are kept as they are", () => {
    for (const [input, expected] of KEPT) {
      assert.equal(safeCallbackPath(input, PUBLIC_URL), expected, input);
      assert.equal(safeCallbackPath(input), expected, input);
    }
  });

  test("absolute URLs under PUBLIC_URL become their path; only with PUBLIC_URL known", () => {
    assert.equal(safeCallbackPath("https://ferry.example.com/apps/x?y=1#z", PUBLIC_URL), "/apps/x?y=1#z");
    assert.equal(safeCallbackPath("https://FERRY.example.com/", PUBLIC_URL), "/");
    assert.equal(safeCallbackPath("https://ferry.example.com:443/apps", PUBLIC_URL), "/apps");
    assert.equal(safeCallbackPath("https://ferry.example.com/apps/x"), "/", "no PUBLIC_URL: paths only");
    assert.equal(safeCallbackPath("https://user:pw@ferry.example.com/apps", PUBLIC_URL), "/");
    // An absolute URL is parsed, so its path must then pass the same checks.
    assert.equal(safeCallbackPath("https://ferry.example.com//evil.example", PUBLIC_URL), "/");
    assert.equal(safeCallbackPath("https://ferry.example.com/%2F%2Fevil.example", PUBLIC_URL), "/");
    assert.equal(safeCallbackPath("https://ferry.example.com/%09/evil.example", PUBLIC_URL), "/");
  });

  test("with a path prefix in PUBLIC_URL, absolute URLs must lie under the prefix", () => {
    assert.equal(
      safeCallbackPath("https://apps.example.com/ferry/apps/x", PREFIXED_PUBLIC_URL),
      "/ferry/apps/x",
      "the prefix stays: it is part of the path the browser goes to",
    );
    assert.equal(safeCallbackPath("https://apps.example.com/ferry", PREFIXED_PUBLIC_URL), "/ferry");
    assert.equal(safeCallbackPath("https://apps.example.com/other-app/", PREFIXED_PUBLIC_URL), "/");
    assert.equal(safeCallbackPath("https://apps.example.com/ferryish/x", PREFIXED_PUBLIC_URL), "/");
    assert.equal(safeCallbackPath("https://evil.example/ferry/apps/x", PREFIXED_PUBLIC_URL), "/");
    assert.equal(safeCallbackPath("/apps/x", PREFIXED_PUBLIC_URL), "/apps/x");
  });

  test("every result is a same-origin path, whatever the input", () => {
    // Every single character and every pair after "/", raw and percent-encoded.
    const chars = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(i)).concat(["é", "\u2028", "／"]);
    for (const a of chars) {
      for (const b of [...chars.slice(0x20, 0x30), "", "evil.example"]) {
        for (const input of [`/${a}${b}`, `/${encodeURIComponent(a)}${b}`, `${a}/${b}`]) {
          const result = safeCallbackPath(input, PUBLIC_URL);
          const resolved = new URL(result, "https://ferry.example.com/base/");
          assert.equal(resolved.origin, "https://ferry.example.com", JSON.stringify(input));
          assert.ok(result.startsWith("/") && !result.startsWith("//"), JSON.stringify(input));
          assert.doesNotMatch(result, /[^\x21-\x7e]|\\/, JSON.stringify(input));
        }
      }
    }
  });
});
