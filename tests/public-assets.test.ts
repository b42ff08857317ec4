/**
 * Tab icon, iPhone home-screen icon and web app manifest (public/): served
 * without sign-in, in real formats, and linked from every page's HTML.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PNG } from "pngjs";
import { type FerryServer, startFerry } from "./helpers/ferry-server";
import { passwordSession } from "./helpers/session";

let server: FerryServer;
before(async () => {
  server = await startFerry();
});
after(async () => server?.stop());

/** Anonymous, without following redirects (a redirect to the sign-in page must fail the test). */
async function get(path: string): Promise<{ res: Response; body: Buffer }> {
  const res = await fetch(`${server.baseUrl}${path}`, { redirect: "manual" });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

function png(body: Buffer, label: string): PNG {
  assert.ok(body.subarray(0, 8).equals(Buffer.from("\x89PNG\r\n\x1a\n", "latin1")), `${label} is a PNG`);
  return PNG.sync.read(body);
}

test("/favicon.ico is a real ICO, served without sign-in", async () => {
  const { res, body } = await get("/favicon.ico");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^image\/(x-icon|vnd\.microsoft\.icon)/);
  // ICONDIR: reserved 0, type 1 (icon), image count; then one 16-byte entry per image.
  assert.equal(body.readUInt16LE(0), 0);
  assert.equal(body.readUInt16LE(2), 1);
  const count = body.readUInt16LE(4);
  assert.ok(count >= 1 && count <= 16, `${count} images`);
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const entry = 6 + 16 * i;
    const size = body.readUInt8(entry) || 256;
    const length = body.readUInt32LE(entry + 8);
    const offset = body.readUInt32LE(entry + 12);
    assert.ok(offset >= 6 + 16 * count && offset + length <= body.length, `image ${i} lies inside the file`);
    const image = body.subarray(offset, offset + length);
    if (image.subarray(1, 4).toString("latin1") === "PNG") {
      const decoded = png(image, `image ${i}`);
      assert.deepEqual([decoded.width, decoded.height], [size, size], `image ${i}: directory and PNG agree`);
    } else {
      // A classic BITMAPINFOHEADER image (height counts the AND mask too).
      assert.equal(image.readUInt32LE(0), 40, `image ${i} is a PNG or a bitmap`);
      assert.equal(image.readInt32LE(4), size);
    }
    sizes.push(size);
  }
  assert.ok(sizes.includes(16) && sizes.includes(32), `sizes ${sizes}`);
});

test("/apple-touch-icon.png is an opaque 180×180 PNG, served without sign-in", async () => {
  const { res, body } = await get("/apple-touch-icon.png");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/png");
  const icon = png(body, "apple-touch-icon.png");
  assert.deepEqual([icon.width, icon.height], [180, 180]);
  // iOS shows transparent pixels as black: every pixel must be opaque.
  for (let i = 3; i < icon.data.length; i += 4) assert.equal(icon.data[i], 255, `pixel ${(i - 3) / 4} is opaque`);
});

test("the web app manifest names Ferry, opens standalone, and its icons resolve", async () => {
  const { res, body } = await get("/manifest.webmanifest");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^application\/(manifest\+)?json/);
  const manifest = JSON.parse(body.toString("utf8")) as {
    name?: string;
    display?: string;
    theme_color?: string;
    start_url?: string;
    icons?: { src: string; sizes: string; type: string }[];
  };
  assert.equal(manifest.name, "Ferry");
  assert.equal(manifest.display, "standalone");
  assert.match(manifest.theme_color ?? "", /^#[0-9a-f]{6}$/i);
  assert.equal(manifest.start_url, "/");
  const icons = manifest.icons ?? [];
  assert.ok(icons.some((i) => i.sizes === "192x192") && icons.some((i) => i.sizes === "512x512"), "192 and 512 px");
  for (const icon of icons) {
    const { res: r, body: b } = await get(new URL(icon.src, `${server.baseUrl}/manifest.webmanifest`).pathname);
    assert.equal(r.status, 200, icon.src);
    assert.equal(r.headers.get("content-type"), icon.type, icon.src);
    const decoded = png(b, icon.src);
    assert.equal(`${decoded.width}x${decoded.height}`, icon.sizes, icon.src);
  }
});

test("the sign-in page and the home page link the home-screen icon and the manifest", async () => {
  const session = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
  assert.ok(session);
  for (const [label, path, cookie] of [
    ["sign-in page", "/sign-in", ""],
    ["home page", "/", session],
  ] as const) {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
    assert.equal(res.status, 200, label);
    const html = await res.text();
    const links = [...html.matchAll(/<link\b[^>]*>/g)].map((m) => m[0]);
    const href = (rel: string) =>
      links.find((l) => l.includes(`rel="${rel}"`))?.match(/href="([^"]+)"/)?.[1] ?? `no <link rel="${rel}">`;
    assert.equal(href("apple-touch-icon"), "/apple-touch-icon.png", label);
    assert.equal(href("manifest"), "/manifest.webmanifest", label);
    assert.equal(href("icon"), "/favicon.ico", label);
  }
});
