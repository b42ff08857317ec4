/**
 * No open redirect after sign-in, in a real browser (Chromium): browsers drop
 * tabs and newlines from URLs and read "\" as "/", so a callback such as
 * "/%09/evil.example" used to send the user to http://evil.example/, and CR,
 * LF or non-ASCII gave a 500. Both a user who is already signed in and one
 * who signs in through the form must end up on Ferry's origin, never on a 500.
 * Every request to another host is recorded and aborted (there is no internet).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, newDesktopContext } from "./helpers/browser";
import { type FerryServer, startFerry } from "./helpers/ferry-server";

// As they appear in the address bar: already percent-encoded where a browser would send them so.
const PAYLOADS = [
  "/%09/evil.example",
  "/%0A/evil.example",
  "/%0D%0A/evil.example",
  "/%0D/evil.example",
  "/\\evil.example",
  "/%5Cevil.example",
  "/%5C%5Cevil.example",
  "%2F%09%2Fevil.example",
  "/%09%5Cevil.example",
  "//evil.example",
  "/%2F%2Fevil.example",
  "/%252F%252Fevil.example",
  "https://evil.example/",
  "http%3A%2F%2Fevil.example%2F",
  "javascript:alert(document.domain)",
  "/caf%C3%A9",
  "/%E2%80%A8/evil.example",
  "/%EF%BC%8F%EF%BC%8Fevil.example",
  "/%0D%0ASet-Cookie:%20x=1",
  "/%00/evil.example",
];

let server: FerryServer;
let browser: Browser;
let origin: string;

type Watch = { escaped: string[]; serverErrors: string[]; rscToLitePages: string[] };

/** Records (and aborts) requests that leave Ferry's origin, and every 5xx answer. */
async function watch(context: BrowserContext): Promise<Watch> {
  const seen: Watch = { escaped: [], serverErrors: [], rscToLitePages: [] };
  await context.route(
    (url) => url.origin !== origin,
    async (route) => {
      seen.escaped.push(route.request().url());
      await route.abort("blockedbyclient");
    },
  );
  // The apps list (/) has no React runtime: an App Router request for it (?_rsc=) is never answered usefully.
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (url.origin === origin && url.pathname === "/" && url.searchParams.has("_rsc")) {
      seen.rscToLitePages.push(request.url());
    }
  });
  context.on("response", (response) => {
    if (response.status() >= 500) seen.serverErrors.push(`${response.status()} ${response.url()}`);
  });
  return seen;
}

function assertStayed(page: Page, seen: Watch, label: string, expectedPath = "/"): void {
  assert.deepEqual(seen.escaped, [], `${label}: no request left Ferry's origin`);
  assert.deepEqual(seen.serverErrors, [], `${label}: no 5xx`);
  const url = new URL(page.url());
  assert.equal(url.origin, origin, `${label}: ended on Ferry's origin (${page.url()})`);
  assert.equal(url.pathname, expectedPath, `${label}: ended on ${expectedPath}`);
}

/** Navigation that may fail (an aborted cross-origin hop): the watch says what happened. */
async function visit(page: Page, path: string): Promise<void> {
  await page.goto(`${server.baseUrl}${path}`, { timeout: 30_000 }).catch(() => {});
  await page.waitForLoadState("load", { timeout: 30_000 }).catch(() => {});
}

async function signInThroughForm(page: Page): Promise<void> {
  await page.getByLabel("Email").fill(server.admin.email);
  await page.getByLabel("Password").fill(server.admin.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  // The form calls signIn() then loads callbackUrl; leaving the origin counts as leaving too.
  await page
    .waitForURL((url) => url.origin !== origin || url.pathname !== "/sign-in", { timeout: 30_000 })
    .catch(() => {});
  await page.waitForLoadState("load", { timeout: 30_000 }).catch(() => {});
}

before(
  async () => {
    server = await startFerry();
    origin = new URL(server.baseUrl).origin;
    browser = await launchBrowser();
  },
  { timeout: 120_000 },
);

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe("callbackUrl after sign-in", { timeout: 300_000 }, () => {
  test("a signed-in user visiting /sign-in?callbackUrl=<hostile> stays on Ferry", async () => {
    const context = await newDesktopContext(browser);
    try {
      const seen = await watch(context);
      const page = await context.newPage();
      await visit(page, "/sign-in");
      await signInThroughForm(page);
      assertStayed(page, seen, "sign-in");
      // Signing in loads the callback as a whole page, not through the App Router's client navigation.
      assert.deepEqual(seen.rscToLitePages, [], "no App Router request for the apps list");
      assert.ok(await page.getByRole("heading", { name: "Apps", exact: true }).isVisible(), "the apps list shows");
      for (const payload of PAYLOADS) {
        await visit(page, `/sign-in?callbackUrl=${payload}`);
        assertStayed(page, seen, payload);
      }
      // A legitimate callback is still followed.
      await visit(page, `/sign-in?callbackUrl=${encodeURIComponent("/settings/tokens")}`);
      assertStayed(page, seen, "/settings/tokens", "/settings/tokens");
    } finally {
      await context.close();
    }
  });

  test("a user signing in from /sign-in?callbackUrl=<hostile> lands on Ferry", async () => {
    for (const payload of [...PAYLOADS, "/settings/tokens"]) {
      const context = await newDesktopContext(browser);
      try {
        const seen = await watch(context);
        const page = await context.newPage();
        await visit(page, `/sign-in?callbackUrl=${payload}`);
        assert.deepEqual(seen.serverErrors, [], `${payload}: the sign-in page renders`);
        await signInThroughForm(page);
        assertStayed(page, seen, payload, payload === "/settings/tokens" ? payload : "/");
      } finally {
        await context.close();
      }
    }
  });
});
