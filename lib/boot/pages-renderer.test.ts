import assert from "node:assert/strict";
import fs from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { createElement, lazy, Suspense } from "react";
import { QrCode } from "@/components/install/qr-code";
import { installPagesRenderer, PAGES_RUNTIME, withStringRenderer } from "@/lib/boot/pages-renderer";

const require = createRequire(import.meta.url);
type Edge = Parameters<typeof withStringRenderer>[0];
const edge = require("react-dom/server.edge") as Edge;
const node = require("react-dom/server.node") as Parameters<typeof withStringRenderer>[1];
const RUNTIMES = ["pages.runtime.prod.js", "pages-turbo.runtime.prod.js"].map((f) =>
  require.resolve(`next/dist/compiled/next-server/${f}`),
);

async function html(server: Edge, element: Parameters<Edge["renderToReadableStream"]>[0]): Promise<string> {
  const stream = (await server.renderToReadableStream(element)) as ReadableStream<Uint8Array> & {
    allReady: Promise<void>;
  };
  await stream.allReady;
  return new Response(stream).text();
}

// A page's kind of markup: attributes, escaping, adjacent text, form defaults, booleans, raw HTML.
const PAGE = createElement(
  "main",
  { className: "mx-auto max-w-5xl", "data-testid": "page" },
  createElement("h1", null, "Groups ", 3, " of ", "<Team & Co>"),
  createElement(
    "form",
    { method: "post", "data-confirm": `Delete "A & B"?` },
    createElement("input", { type: "hidden", name: "_action", value: "delete-group" }),
    createElement("input", { name: "email", defaultValue: "a@example.com", required: true }),
    createElement(
      "select",
      { name: "role", defaultValue: "admin" },
      createElement("option", { value: "member" }, "Member"),
      createElement("option", { value: "admin" }, "Admin"),
    ),
    createElement("textarea", { name: "list", defaultValue: "x\ty\n<z>" }),
    createElement("button", { type: "submit", disabled: false, "aria-busy": undefined }, "Delete"),
  ),
  createElement("p", { style: { marginTop: 4 }, dangerouslySetInnerHTML: { __html: "<b>raw</b>" } }),
);

async function AsyncQr() {
  return createElement("svg", null, await Promise.resolve("qr"));
}

function Throws(): never {
  throw new Error("boom");
}

test("Next's production pages runtime still loads react-dom/server.edge by that name (the hook's premise)", () => {
  for (const file of RUNTIMES) {
    assert.match(file, PAGES_RUNTIME);
    assert.ok(fs.readFileSync(file, "utf8").includes('require("react-dom/server.edge")'), file);
  }
  assert.doesNotMatch(require.resolve("next/dist/compiled/next-server/pages-turbo.runtime.dev.js"), PAGES_RUNTIME);
});

test("the string renderer gives the edge build's HTML, byte for byte", async () => {
  const expected = await html(edge, PAGE);
  assert.match(expected, /<!-- -->/);
  assert.equal(await html(withStringRenderer(edge, node), PAGE), expected);
});

test("a render that suspends, throws or takes options goes to the edge build", async () => {
  const calls: string[] = [];
  const spy: Edge = {
    renderToReadableStream: (element, options) => {
      calls.push(options ? "edge with options" : "edge");
      return edge.renderToReadableStream(element, options);
    },
  };
  const server = withStringRenderer(spy, node);
  await html(server, PAGE);
  assert.deepEqual(calls, [], "a plain page: the string renderer");
  const never = lazy(() => new Promise<never>(() => {}));
  const Suspends = createElement(Suspense, { fallback: "loading" }, createElement(never));
  const controller = new AbortController();
  const pending = server.renderToReadableStream(Suspends, { signal: controller.signal });
  controller.abort();
  await pending.catch(() => {});
  assert.deepEqual(calls, ["edge with options"]);
  const Loaded = lazy(async () => ({ default: () => createElement("p", null, "loaded") }));
  assert.match(await html(server, createElement(Suspense, { fallback: "loading" }, createElement(Loaded))), /loaded/);
  await assert.rejects(html(server, createElement(Throws)), /boom/);
  // An async component (what components/install/qr-code.tsx was): rendered, but twice.
  assert.match(await html(server, createElement(AsyncQr)), /qr/);
  assert.deepEqual(calls, ["edge with options", "edge", "edge", "edge"]);
});

test("installed, Next's pages runtime gets the string renderer and every other module react-dom's own", () => {
  installPagesRenderer();
  const fromRuntime = createRequire(RUNTIMES[1]!)("react-dom/server.edge") as Edge;
  assert.notEqual(fromRuntime, edge);
  assert.equal(fromRuntime.renderToReadableStream.name, "renderToReadableStream");
  assert.notEqual(fromRuntime.renderToReadableStream, edge.renderToReadableStream);
  assert.equal(require("react-dom/server.edge"), edge, "any other requirer: unchanged");
});

test("the install pages' QR code renders synchronously: a desktop install page is rendered once", () => {
  const value =
    "itms-services://?action=download-manifest&url=https%3A%2F%2Fferry.example.com%2Fd%2Ftoken%2Fmanifest.plist";
  const html = node.renderToString(createElement(QrCode, { value, label: "QR code to install Demo 1.0" }));
  assert.match(html, /^<figure[^>]*data-testid="install-qr"[^>]*><svg [^>]*viewBox="0 0 \d+ \d+"/);
  assert.doesNotMatch(html, /<!--\$!/);
});
