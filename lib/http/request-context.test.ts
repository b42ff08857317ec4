import assert from "node:assert/strict";
import { test } from "node:test";
import { clientIpFor } from "@/lib/http/request-context";

test("without a trusted proxy the socket's address, whatever X-Forwarded-For says", () => {
  assert.equal(clientIpFor("::ffff:10.0.0.5", "6.6.6.6", 0), "10.0.0.5");
  assert.equal(clientIpFor("10.0.0.5", undefined, 0), "10.0.0.5");
});

test("one proxy (nginx appends the address it saw): the right-most entry, never one the client sent", () => {
  // The client sent "X-Forwarded-For: 6.6.6.6"; nginx appended the real 203.0.113.7.
  assert.equal(clientIpFor("127.0.0.1", "6.6.6.6, 203.0.113.7", 1), "203.0.113.7");
  assert.equal(clientIpFor("127.0.0.1", "6.6.6.6,7.7.7.7 , 203.0.113.7", 1), "203.0.113.7");
  assert.equal(clientIpFor("127.0.0.1", "203.0.113.7", 1), "203.0.113.7");
});

test("two proxies (a load balancer, then nginx): the second entry from the right", () => {
  assert.equal(clientIpFor("127.0.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.2", 2), "203.0.113.7");
});

test("fewer entries than proxies: the left-most, which a trusted proxy added", () => {
  assert.equal(clientIpFor("127.0.0.1", "203.0.113.7", 2), "203.0.113.7");
});

test("a trusted proxy but no usable header: the socket's address", () => {
  assert.equal(clientIpFor("127.0.0.1", undefined, 1), "127.0.0.1");
  assert.equal(clientIpFor("127.0.0.1", " , ", 1), "127.0.0.1");
});
