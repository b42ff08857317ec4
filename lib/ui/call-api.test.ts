import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { callApi, UNREACHABLE } from "@/lib/ui/call-api";

let base = "";
const seen: { method?: string; type?: string; body: string }[] = [];
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    seen.push({ method: req.method, type: req.headers["content-type"], body });
    if (req.url === "/ok") return res.writeHead(202, { "content-type": "application/json" }).end('{"job":{"id":"j1"}}');
    if (req.url === "/empty") return res.writeHead(204).end();
    if (req.url === "/refused")
      return res
        .writeHead(409, { "content-type": "application/json" })
        .end('{"error":{"code":"signing_profile_not_newer","message":"That profile is not newer."}}');
    res.writeHead(502, { "content-type": "text/html" }).end("<html>bad gateway</html>");
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test("a 2xx returns the parsed body and sends JSON with its content type", async () => {
  const result = await callApi<{ job: { id: string } }>(`${base}/ok`, { method: "POST", json: { a: 1 } });
  assert.deepEqual(result, { ok: true, status: 202, body: { job: { id: "j1" } } });
  assert.deepEqual(seen.at(-1), { method: "POST", type: "application/json", body: '{"a":1}' });
});

test("a 204 is a success with no body", async () => {
  assert.deepEqual(await callApi(`${base}/empty`, { method: "DELETE" }), { ok: true, status: 204, body: null });
});

test("a refusal carries the API's own sentence and code", async () => {
  assert.deepEqual(await callApi(`${base}/refused`, { method: "PUT", json: {} }), {
    ok: false,
    status: 409,
    message: "That profile is not newer.",
    code: "signing_profile_not_newer",
  });
});

test("a failure without an API error names the status", async () => {
  const result = await callApi(`${base}/proxy-error`);
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.message, "The request failed (502).");
});

test("a network failure never throws: it says Ferry could not be reached", async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  assert.deepEqual(await callApi(`http://127.0.0.1:${port}/x`), { ok: false, status: 0, message: UNREACHABLE });
});
