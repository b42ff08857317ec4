/**
 * The webhook address policy: every spelling of a refused address is refused
 * when saved, and at delivery the addresses a name resolves to are judged by
 * the socket's own lookup (a real node:http receiver on 127.0.0.1, names
 * resolved through an injected resolver, so "DNS" can answer anything).
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type AddressPolicy, checkWebhookUrl, classifyAddress, type Resolve } from "@/lib/webhooks/address-policy";
import { postWebhook } from "@/lib/webhooks/post-webhook";

const STRICT: AddressPolicy = { allowPrivate: false, allowLoopback: false };
const PRIVATE_OK: AddressPolicy = { allowPrivate: true, allowLoopback: false };
const LOOPBACK_OK: AddressPolicy = { allowPrivate: false, allowLoopback: true };

const LOOPBACK = [
  "http://127.0.0.1/",
  "http://2130706433/",
  "http://0177.0.0.1/",
  "http://0x7f.1/",
  "http://0x7f000001/",
  "http://127.1/",
  "http://127.255.255.254:8080/x",
  "http://[::1]/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:7f00:1]/",
  "http://[0:0:0:0:0:ffff:7f00:1]/",
  "http://[::127.0.0.1]/",
  "http://[64:ff9b::127.0.0.1]/",
  "http:/\\127.0.0.1/",
  "http:\\\\127.0.0.1/",
  "HTTP://LOCALHOST/",
  "http://localhost./",
  "http://anything.localhost/",
];
const ALWAYS_REFUSED = [
  "http://0.0.0.0/",
  "http://0/",
  "http://0.1.2.3/",
  "http://[::]/",
  "http://[::ffff:0.0.0.0]/",
  "http://169.254.169.254/latest/meta-data/",
  "http://[::ffff:169.254.169.254]/",
  "http://0xa9fea9fe/",
  "http://2852039166/",
  "http://169.254.1.1/",
  "http://[fd00:ec2::254]/",
  "http://100.100.100.200/",
  "http://metadata.google.internal/computeMetadata/v1/",
  "http://metadata/",
  "http://METADATA.GOOGLE.INTERNAL./",
  "http://metadata.goog/",
  "http://instance-data/",
  "http://[fe80::1]/",
  "http://[febf::1]/",
  "http://224.0.0.1/",
  "http://255.255.255.255/",
  "http://[ff02::1]/",
];
const PRIVATE = [
  "http://10.0.0.5:8080/hook",
  "http://012.0.0.1/",
  "http://167772161/",
  "http://172.16.0.1/",
  "http://172.31.255.255/",
  "http://192.168.1.10/",
  "http://[::ffff:192.168.1.10]/",
  "http://100.64.0.1/",
  "http://100.127.255.254/",
  "http://198.18.0.1/",
  "http://[fd00::1]/",
  "http://[fc00::1]/",
  "http://[fd12:3456:789a::1]/",
];
const PUBLIC = [
  "https://hooks.slack.com/services/T000/B000/XXXX",
  "https://example.com/hook",
  "http://8.8.8.8/",
  "http://172.32.0.1/",
  "http://172.15.255.255/",
  "http://100.128.0.1/",
  "http://192.169.0.1/",
  "http://[2606:4700::1111]/",
  "http://[::ffff:8.8.8.8]/",
  "http://chat/",
];

describe("saving: every spelling is judged as the address it means", () => {
  test("loopback, in every spelling, is refused unless loopback is allowed (tests only)", () => {
    for (const url of LOOPBACK) {
      const strict = checkWebhookUrl(url, STRICT);
      assert.equal(strict.ok, false, url);
      assert.match(strict.ok ? "" : strict.problem, /loopback/, url);
      assert.equal(checkWebhookUrl(url, PRIVATE_OK).ok, false, `${url}: private is not loopback`);
      assert.equal(checkWebhookUrl(url, LOOPBACK_OK).ok, true, url);
    }
  });

  test("unspecified, link-local, metadata, multicast: refused whatever is allowed", () => {
    for (const url of ALWAYS_REFUSED) {
      assert.equal(checkWebhookUrl(url, STRICT).ok, false, url);
      assert.equal(checkWebhookUrl(url, { allowPrivate: true, allowLoopback: true }).ok, false, url);
    }
    const meta = checkWebhookUrl("http://169.254.169.254/", PRIVATE_OK);
    assert.match(meta.ok ? "" : meta.problem, /metadata/);
  });

  test("private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, ULA) only with WEBHOOK_ALLOW_PRIVATE", () => {
    for (const url of PRIVATE) {
      const strict = checkWebhookUrl(url, STRICT);
      assert.equal(strict.ok, false, url);
      assert.match(strict.ok ? "" : strict.problem, /WEBHOOK_ALLOW_PRIVATE=true/, url);
      assert.equal(checkWebhookUrl(url, PRIVATE_OK).ok, true, url);
    }
  });

  test("public addresses and names pass (names are judged again, resolved, at delivery)", () => {
    for (const url of PUBLIC) assert.equal(checkWebhookUrl(url, STRICT).ok, true, url);
  });

  test("user:pass@ URLs and other schemes are refused", () => {
    for (const url of ["https://user:pass@example.com/", "https://user@example.com/", "https://:pw@example.com/"]) {
      const checked = checkWebhookUrl(url, STRICT);
      assert.equal(checked.ok, false, url);
      assert.match(checked.ok ? "" : checked.problem, /user name or password/);
    }
    for (const url of ["ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "not a url"]) {
      assert.equal(checkWebhookUrl(url, STRICT).ok, false, url);
    }
  });

  test("classifyAddress reads resolver answers (IPv4, IPv6, mapped) the same way", () => {
    assert.equal(classifyAddress("127.0.0.1"), "loopback");
    assert.equal(classifyAddress("::ffff:127.0.0.1"), "loopback");
    assert.equal(classifyAddress("::ffff:a9fe:a9fe"), "metadata");
    assert.equal(classifyAddress("fe80::1%eth0"), "link-local");
    assert.equal(classifyAddress("10.1.2.3"), "private");
    assert.equal(classifyAddress("93.184.215.14"), "public");
    assert.equal(classifyAddress("example.com"), null);
  });
});

describe("delivering: the addresses connected to are the ones judged", () => {
  let receiver: http.Server;
  let port: number;
  let hits = 0;
  const paths: string[] = [];
  before(async () => {
    receiver = http.createServer((req, res) => {
      hits++;
      paths.push(req.url ?? "");
      req.resume();
      if (req.url === "/redirect") {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/followed` }).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" }).end(`ok\u0000\u001b[31m${"x".repeat(5000)}`);
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  after(() => receiver.close());

  const post = (url: string, policy: AddressPolicy, resolve?: Resolve) =>
    postWebhook(url, "{}", { "content-type": "application/json" }, { policy, timeoutMs: 5000, resolve });
  /** DNS that answers every name with these addresses (a rebinding attacker's resolver). */
  const answers =
    (...addresses: string[]): Resolve =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

  test("a name that passed at save time but resolves to loopback is refused before connecting", async () => {
    assert.equal(checkWebhookUrl(`http://rebind.example.test:${port}/`, STRICT).ok, true, "saved: just a name");
    const before = hits;
    await assert.rejects(post(`http://rebind.example.test:${port}/`, STRICT, answers("127.0.0.1")), (error: Error) => {
      assert.equal(error.name, "RefusedAddressError");
      assert.match(error.message, /rebind\.example\.test resolves to a loopback address/);
      return true;
    });
    await assert.rejects(post(`http://rebind.example.test:${port}/`, STRICT, answers("::ffff:127.0.0.1")));
    assert.equal(hits, before, "the receiver saw no request");
  });

  test("one refused address among public ones refuses the name; private ones pass only when allowed", async () => {
    await assert.rejects(
      post(`http://mixed.example.test:${port}/`, STRICT, answers("93.184.215.14", "169.254.169.254")),
      /metadata/,
    );
    await assert.rejects(post(`http://intranet.example.test:${port}/`, STRICT, answers("10.0.0.7")), /private/);
    await assert.rejects(
      post(`http://intranet.example.test:${port}/`, PRIVATE_OK, answers("127.0.0.1")),
      /loopback/,
      "allowing private is not allowing loopback",
    );
  });

  test("the socket connects to exactly the address the lookup checked", async () => {
    // With loopback allowed, the injected resolver's answer is where the request lands.
    const result = await post(`http://receiver.example.test:${port}/resolved`, LOOPBACK_OK, answers("127.0.0.1"));
    assert.equal(result.status, 200);
    assert.equal(paths.at(-1), "/resolved");
  });

  test("`localhost` is refused by name, literal addresses before any lookup", async () => {
    const before = hits;
    await assert.rejects(post(`http://localhost:${port}/`, STRICT), /loopback/);
    await assert.rejects(post(`http://2130706433:${port}/`, STRICT), /loopback/);
    await assert.rejects(post(`http:/\\127.0.0.1:${port}/`, STRICT), /loopback/);
    await assert.rejects(post(`http://user:pw@127.0.0.1:${port}/`, LOOPBACK_OK), /user name or password/);
    assert.equal(hits, before);
  });

  test("redirects are not followed; the answer kept is short and has no control characters", async () => {
    const redirected = await post(`http://127.0.0.1:${port}/redirect`, LOOPBACK_OK);
    assert.equal(redirected.status, 302);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!paths.includes("/followed"), "the Location was not fetched");
    const answered = await post(`http://127.0.0.1:${port}/long`, LOOPBACK_OK);
    assert.ok((answered.snippet ?? "").length <= 200);
    assert.match(answered.snippet ?? "", /^ok \[31mx+$/);
  });
});
