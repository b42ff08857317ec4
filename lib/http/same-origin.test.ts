import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "@/lib/errors";
import { assertSameOrigin, isSameOriginRequest } from "@/lib/http/same-origin";

const ORIGIN = "https://ferry.example.com";

describe("isSameOriginRequest", () => {
  // [case, Sec-Fetch-Site, Origin, allowed]
  const table: [string, string | null, string | null, boolean][] = [
    ["Sec-Fetch-Site same-origin", "same-origin", null, true],
    [
      "same-origin even with another Origin (the browser's own verdict wins)",
      "same-origin",
      "https://evil.example",
      true,
    ],
    ["same-site (a sibling subdomain) without Origin", "same-site", null, false],
    ["same-site with a sibling's Origin", "same-site", "https://intranet.example.com", false],
    ["cross-site", "cross-site", "https://evil.example", false],
    ["cross-site without Origin", "cross-site", null, false],
    ["none (typed URL, bookmark) without Origin", "none", null, false],
    ["no headers at all (curl, old browser)", null, null, false],
    ["no Sec-Fetch-Site, matching Origin", null, ORIGIN, true],
    ["no Sec-Fetch-Site, Origin of another site", null, "https://evil.example", false],
    ["no Sec-Fetch-Site, Origin on another port", null, `${ORIGIN}:8443`, false],
    ["no Sec-Fetch-Site, Origin over http", null, "http://ferry.example.com", false],
    ["no Sec-Fetch-Site, Origin: null (sandboxed frame, data: URL)", null, "null", false],
    ["no Sec-Fetch-Site, empty Origin", null, "", false],
  ];
  for (const [name, site, origin, allowed] of table) {
    it(`${allowed ? "allows" : "refuses"}: ${name}`, () => {
      const headers = new Headers();
      if (site !== null) headers.set("sec-fetch-site", site);
      if (origin !== null) headers.set("origin", origin);
      assert.equal(isSameOriginRequest(headers, ORIGIN), allowed);
    });
  }
});

describe("assertSameOrigin", () => {
  it("compares with PUBLIC_URL's origin (its path prefix ignored) and throws AppError forbidden", () => {
    process.env.PUBLIC_URL = `${ORIGIN}/portal/`;
    const post = (headers: Record<string, string>) =>
      new Request(`${ORIGIN}/portal/api/v1/builds`, { method: "POST", headers });
    assert.doesNotThrow(() => assertSameOrigin(post({ origin: ORIGIN })));
    assert.doesNotThrow(() => assertSameOrigin(post({ "sec-fetch-site": "same-origin" })));
    assert.throws(
      () => assertSameOrigin(post({ "sec-fetch-site": "cross-site", origin: "https://evil.example" })),
      (err: unknown) => err instanceof AppError && err.code === "forbidden" && err.status === 403,
    );
  });
});
