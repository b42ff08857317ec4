import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AUTH_BODY_MAX_BYTES,
  bodyLimitFor,
  DEFAULT_API_BODY_MAX_BYTES,
  DEVICE_IMPORT_FORM_MAX_BYTES,
  DEVICE_IMPORT_MAX_BYTES,
  JSON_BODY_MAX_BYTES,
  MULTIPART_OVERHEAD_BYTES,
  PAGE_BODY_MAX_BYTES,
  PLAIN_POST_MAX_BYTES,
  UPDATE_KEY_BODY_MAX_BYTES,
  WATCH_BODY_MAX_BYTES,
} from "@/lib/http/body-limits";

const UPLOAD = 4 * 1024 ** 3;

test("the upload route streams up to MAX_UPLOAD_SIZE (plus multipart framing) and reads its own body", () => {
  assert.deepEqual(bodyLimitFor("POST", "/api/v1/builds?notes=x", UPLOAD), {
    maxBytes: UPLOAD + MULTIPART_OVERHEAD_BYTES,
    readBy: "route",
  });
  // Only POST uploads; the same path with another method gets the small default.
  assert.equal(bodyLimitFor("GET", "/api/v1/builds", UPLOAD).maxBytes, DEFAULT_API_BODY_MAX_BYTES);
});

test("routes with their own small reader keep their limit", () => {
  assert.deepEqual(bodyLimitFor("POST", "/api/v1/devices/import", UPLOAD), {
    maxBytes: DEVICE_IMPORT_MAX_BYTES,
    readBy: "route",
  });
  assert.equal(bodyLimitFor("PATCH", "/api/v1/builds/abc", UPLOAD).maxBytes, JSON_BODY_MAX_BYTES);
  assert.equal(bodyLimitFor("POST", "/api/v1/builds/abc/channels", UPLOAD).readBy, "route");
  assert.equal(bodyLimitFor("POST", "/api/v1/apps/abc/webhooks", UPLOAD).readBy, "route");
  assert.ok(bodyLimitFor("POST", "/api/v1/profiles/inspect", UPLOAD).maxBytes < UPLOAD);
  assert.deepEqual(bodyLimitFor("POST", "/api/v1/watches", UPLOAD), {
    maxBytes: WATCH_BODY_MAX_BYTES,
    readBy: "route",
  });
  assert.deepEqual(bodyLimitFor("POST", "/api/v1/apps/abc/update-keys", UPLOAD), {
    maxBytes: UPDATE_KEY_BODY_MAX_BYTES,
    readBy: "route",
  });
  // No body is read: the small default, read by the server.
  assert.equal(bodyLimitFor("POST", "/api/v1/notifications/unsubscribe?token=x", UPLOAD).readBy, "server");
  assert.equal(bodyLimitFor("POST", "/api/v1/apps/a/webhooks/b/test", UPLOAD).maxBytes, DEFAULT_API_BODY_MAX_BYTES);
});

test("everything else is read by the server with a small limit", () => {
  assert.deepEqual(bodyLimitFor("POST", "/api/auth/callback/credentials", UPLOAD), {
    maxBytes: AUTH_BODY_MAX_BYTES,
    readBy: "server",
  });
  assert.deepEqual(bodyLimitFor("POST", "/settings/tokens", UPLOAD), {
    maxBytes: PAGE_BODY_MAX_BYTES,
    readBy: "server",
  });
  assert.equal(bodyLimitFor("DELETE", "/api/v1/apps/a/webhooks/b", UPLOAD).maxBytes, DEFAULT_API_BODY_MAX_BYTES);
  assert.equal(bodyLimitFor("POST", "/d/token/app.ipa", UPLOAD).maxBytes, DEFAULT_API_BODY_MAX_BYTES);
  // Only the exact spelling gets a large limit: any other (dot segments, escapes) gets the small one.
  assert.equal(bodyLimitFor("POST", "/api/v1/builds/../builds", UPLOAD).maxBytes, DEFAULT_API_BODY_MAX_BYTES);
  assert.equal(bodyLimitFor("POST", "/api/v1/%62uilds", UPLOAD).maxBytes, DEFAULT_API_BODY_MAX_BYTES);
  assert.equal(bodyLimitFor("POST", "/api/v1/buildsx", UPLOAD).maxBytes, DEFAULT_API_BODY_MAX_BYTES);
});

test("a page whose forms are plain posts gets the small form limit; its GET and other pages do not", () => {
  assert.deepEqual(bodyLimitFor("POST", "/admin/users?cursor=x", UPLOAD), {
    maxBytes: PLAIN_POST_MAX_BYTES,
    readBy: "server",
  });
  for (const path of [
    "/admin/groups",
    "/admin/groups/8b7f0c1e-0000-4000-8000-000000000000",
    "/admin/apps/",
    "/apps/8b7f0c1e-0000-4000-8000-000000000000/channels",
  ]) {
    assert.equal(bodyLimitFor("POST", path, UPLOAD).maxBytes, PLAIN_POST_MAX_BYTES, path);
  }
  // The devices page's import form sends a pasted list: room for one of DEVICE_IMPORT_MAX_BYTES, url-encoded.
  assert.deepEqual(bodyLimitFor("POST", "/admin/devices", UPLOAD), {
    maxBytes: DEVICE_IMPORT_FORM_MAX_BYTES,
    readBy: "server",
  });
  assert.ok(DEVICE_IMPORT_FORM_MAX_BYTES >= 2 * DEVICE_IMPORT_MAX_BYTES);
  assert.ok(PLAIN_POST_MAX_BYTES < PAGE_BODY_MAX_BYTES);
  assert.equal(bodyLimitFor("POST", "/admin/users/x", UPLOAD).maxBytes, PAGE_BODY_MAX_BYTES);
  // An App Router page below a plain-post one keeps the server actions' limit.
  assert.equal(bodyLimitFor("POST", "/admin/apps/x/webhooks", UPLOAD).maxBytes, PAGE_BODY_MAX_BYTES);
  assert.equal(bodyLimitFor("POST", "/admin/groups/x/y", UPLOAD).maxBytes, PAGE_BODY_MAX_BYTES);
  assert.equal(bodyLimitFor("POST", "/apps/x/builds/y", UPLOAD).maxBytes, PAGE_BODY_MAX_BYTES);
});
