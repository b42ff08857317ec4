/**
 * The OpenAPI document (`/api/v1/openapi.json`): it is public, names the
 * server by PUBLIC_URL, is structurally valid, and lists exactly the routes
 * and methods under app/api/v1 (a new route without documentation fails here).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { z } from "zod";
import { openApiDocument } from "@/lib/api-docs/openapi";
import { appResponseSchema } from "@/lib/apps/schema";
import { buildResponseSchema, editNotesBodySchema } from "@/lib/builds/schema";
import { promoteBuildBodySchema } from "@/lib/channels/schema";
import { ERROR_STATUS } from "@/lib/errors";
import { apiErrorSchema } from "@/lib/http/api-errors";
import { jobResponseSchema } from "@/lib/jobs/schema";
import { watchResponseSchema } from "@/lib/notifications/schema";
import { signingIdentityResponseSchema } from "@/lib/signing/identities/schema";
import { signingProfileResponseSchema } from "@/lib/signing/profiles/schema";
import {
  createUpdateKeyBodySchema,
  updateCheckResponseSchema,
  updateKeyResponseSchema,
} from "@/lib/update-check/schema";
import { createWebhookBodySchema, webhookResponseSchema } from "@/lib/webhooks/schema";
import { createToken, type FerryServer, ROOT, startFerry } from "./helpers/ferry-server";
import { generateIpa } from "./helpers/generate-ipa";
import { passwordSession } from "./helpers/session";

const API_DIR = path.join(ROOT, "app", "api", "v1");
const HTTP_METHODS = ["get", "post", "put", "patch", "delete", "head", "options"] as const;

/**
 * Documented before their route files exist (built on another branch): allowed
 * to be missing only while the file is absent; once it exists it must match.
 */
const PENDING_ROUTE_FILES: Record<string, string> = {
  "/api/v1/apps/{}/webhooks": "apps/[appId]/webhooks/route.ts",
  "/api/v1/apps/{}/webhooks/{}": "apps/[appId]/webhooks/[*]/route.ts",
};

type Doc = ReturnType<typeof openApiDocument>;
type Operation = { responses?: Record<string, unknown>; parameters?: Array<{ name: string; in: string }> };

/** `/api/v1/builds/{buildId}` and `/api/v1/builds/{id}` name one route: parameter names are not compared. */
const shape = (p: string) => p.replace(/\{[^}]+\}/g, "{}");

/** Every `route.ts` under app/api/v1 with the HTTP methods it exports, as "METHOD /path" (parameters as `{}`). */
function routeOperations(): Set<string> {
  const ops = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") {
        const rel = path.relative(API_DIR, dir).split(path.sep);
        const urlPath = shape(`/api/v1/${rel.map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/")}`);
        const source = fs.readFileSync(full, "utf8");
        const exported = source.matchAll(
          /export\s+(?:const|(?:async\s+)?function)\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b/g,
        );
        let any = false;
        for (const m of exported) {
          ops.add(`${m[1]} ${urlPath}`);
          any = true;
        }
        assert.ok(any, `${path.relative(ROOT, full)} exports no HTTP method the test recognises`);
      }
    }
  };
  walk(API_DIR);
  return ops;
}

function documentedOperations(doc: Doc): Set<string> {
  const ops = new Set<string>();
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) {
      assert.ok((HTTP_METHODS as readonly string[]).includes(method), `${p}: "${method}" is not an HTTP method`);
      ops.add(`${method.toUpperCase()} ${shape(p)}`);
    }
  }
  return ops;
}

function pendingFileExists(docPath: string): boolean {
  const pattern = PENDING_ROUTE_FILES[docPath];
  if (!pattern) return true;
  const [dirPart] = pattern.split("/[*]/");
  if (!pattern.includes("[*]")) return fs.existsSync(path.join(API_DIR, pattern));
  const dir = path.join(API_DIR, dirPart ?? "");
  return (
    fs.existsSync(dir) &&
    fs
      .readdirSync(dir, { withFileTypes: true })
      .some((d) => d.isDirectory() && /^\[.+\]$/.test(d.name) && fs.existsSync(path.join(dir, d.name, "route.ts")))
  );
}

describe("OpenAPI document in sync with the routes", () => {
  const doc = openApiDocument("https://ferry.example.com");

  test("every route file and exported method is documented", () => {
    const documented = documentedOperations(doc);
    const undocumented = [...routeOperations()].filter((op) => !documented.has(op));
    assert.deepEqual(undocumented, [], "routes missing from lib/api-docs/openapi.ts");
  });

  test("every documented operation has a route (webhook routes allowed only while their files are absent)", () => {
    const routes = routeOperations();
    const stale = [...documentedOperations(doc)].filter((op) => {
      if (routes.has(op)) return false;
      const docPath = op.slice(op.indexOf(" ") + 1);
      return pendingFileExists(docPath);
    });
    assert.deepEqual(stale, [], "documented operations without a route");
  });

  test("the document is structurally valid OpenAPI 3.1", () => {
    assert.equal(doc.openapi, "3.1.0");
    assert.ok(doc.info.title && doc.info.version);
    assert.ok(Object.keys(doc.paths).length > 0);
    const schemes = doc.components.securitySchemes;
    assert.equal(schemes.bearerToken.type, "http");
    assert.equal(schemes.bearerToken.scheme, "bearer");
    assert.equal(schemes.session.in, "cookie");

    const operationIds = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths)) {
      assert.ok(p.startsWith("/api/v1/"), p);
      const templateParams = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, raw] of Object.entries(item)) {
        const op = raw as Operation & { operationId: string };
        const where = `${method.toUpperCase()} ${p}`;
        assert.ok(op.operationId && !operationIds.has(op.operationId), `${where}: unique operationId`);
        operationIds.add(op.operationId);
        const statuses = Object.keys(op.responses ?? {});
        assert.ok(statuses.length > 0, `${where} has no responses`);
        for (const s of statuses) assert.match(s, /^[1-5]\d\d$/, `${where}: response key ${s}`);
        assert.ok(
          statuses.some((s) => s.startsWith("2") || s.startsWith("3")),
          `${where} documents no success answer`,
        );
        const declared = (op.parameters ?? []).filter((x) => x.in === "path").map((x) => x.name);
        assert.deepEqual(declared.sort(), templateParams, `${where}: path parameters match the template`);
      }
    }

    // Every $ref points at a component that exists.
    const text = JSON.stringify(doc);
    for (const m of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      assert.ok(m[1] && m[1] in doc.components.schemas, `dangling $ref ${m[1]}`);
    }
  });

  test("the document validates against the official OpenAPI 3.1 JSON Schema", async () => {
    // validate() dereferences the object it gets: hand it a copy.
    const api = (await SwaggerParser.validate(structuredClone(doc) as never)) as { openapi?: string };
    assert.equal(api.openapi, "3.1.0");
  });

  test("the error schema enumerates every code of ERROR_STATUS", () => {
    const errorSchema = doc.components.schemas.Error as {
      properties: { error: { properties: { code: { enum: string[] } } } };
    };
    assert.deepEqual(errorSchema.properties.error.properties.code.enum.toSorted(), Object.keys(ERROR_STATUS).sort());
  });

  test("request bodies derived from zod carry the rules the routes enforce", () => {
    const promote = doc.paths["/api/v1/builds/{buildId}/channels"]?.post?.requestBody as {
      content: { "application/json": { schema: { required: string[]; properties: { channel: { pattern: string } } } } };
    };
    const schema = promote.content["application/json"].schema;
    assert.deepEqual(schema.required, ["channel"]);
    assert.equal(schema.properties.channel.pattern, "^[a-z0-9][a-z0-9._-]{0,63}$");
    const notes = doc.paths["/api/v1/builds/{buildId}"]?.patch?.requestBody as {
      content: { "application/json": { schema: { properties: { notes: { maxLength: number } } } } };
    };
    assert.equal(notes.content["application/json"].schema.properties.notes.maxLength, 10_000);
  });
});

describe("the document's schemas are the zod schemas the code uses", () => {
  const doc = openApiDocument("https://ferry.example.com");
  const jsonOf = (schema: z.ZodType, io: "input" | "output") => {
    const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
    return json;
  };
  const body = (p: string, method: string) =>
    (doc.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>)[
      p
    ]?.[method]?.requestBody?.content["application/json"]?.schema;

  test("answers: Error, Build, App and Webhook are generated from their zod schemas", () => {
    assert.deepEqual(doc.components.schemas.Error, jsonOf(apiErrorSchema, "output"));
    assert.deepEqual(doc.components.schemas.Build, jsonOf(buildResponseSchema, "output"));
    assert.deepEqual(doc.components.schemas.App, jsonOf(appResponseSchema, "output"));
    assert.deepEqual(doc.components.schemas.Webhook, jsonOf(webhookResponseSchema, "output"));
  });

  test("answers added with signing, notifications and update checks: generated too", () => {
    const answers: [string, z.ZodType][] = [
      ["SigningIdentity", signingIdentityResponseSchema],
      ["SigningProfile", signingProfileResponseSchema],
      ["Job", jobResponseSchema],
      ["Watch", watchResponseSchema],
      ["UpdateKey", updateKeyResponseSchema],
      ["UpdateCheck", updateCheckResponseSchema],
    ];
    for (const [name, schema] of answers)
      assert.deepEqual(doc.components.schemas[name], jsonOf(schema, "output"), name);
    assert.deepEqual(body("/api/v1/apps/{appId}/update-keys", "post"), jsonOf(createUpdateKeyBodySchema, "input"));
  });

  test("request bodies: the schemas the routes parse with", () => {
    assert.deepEqual(body("/api/v1/builds/{buildId}", "patch"), jsonOf(editNotesBodySchema, "input"));
    assert.deepEqual(body("/api/v1/builds/{buildId}/channels", "post"), jsonOf(promoteBuildBodySchema, "input"));
    assert.deepEqual(doc.components.schemas.WebhookInput, jsonOf(createWebhookBodySchema, "input"));
    assert.deepEqual(body("/api/v1/apps/{appId}/webhooks", "post"), { $ref: "#/components/schemas/WebhookInput" });
  });
});

describe("GET /api/v1/openapi.json", () => {
  let server: FerryServer;
  before(async () => {
    server = await startFerry();
  });
  after(async () => {
    await server?.stop();
  });

  test("is served without sign-in, names PUBLIC_URL as its server, and equals the document", async () => {
    const res = await fetch(`${server.baseUrl}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const body = (await res.json()) as Doc;
    assert.deepEqual(body.servers, [{ url: server.env.PUBLIC_URL }]);
    assert.deepEqual(body, JSON.parse(JSON.stringify(openApiDocument(server.env.PUBLIC_URL ?? ""))));
  });

  test("answers 200 to a bearer token and to a signed-in session too", async () => {
    const token = await createToken(server);
    const withToken = await fetch(`${server.baseUrl}/api/v1/openapi.json`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(withToken.status, 200);
    await withToken.arrayBuffer();
    const cookie = await passwordSession(server.baseUrl, server.admin.email, server.admin.password);
    assert.ok(cookie);
    const withSession = await fetch(`${server.baseUrl}/api/v1/openapi.json`, { headers: { cookie } });
    assert.equal(withSession.status, 200);
    await withSession.arrayBuffer();
    // A bad token must not turn the public document into a 401.
    const badToken = await fetch(`${server.baseUrl}/api/v1/openapi.json`, {
      headers: { authorization: "Bearer nope" },
    });
    assert.equal(badToken.status, 200);
    await badToken.arrayBuffer();
  });

  test("real answers have the documented shape (Build from an upload, App from the list)", async () => {
    const token = await createToken(server);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-openapi-"));
    try {
      const file = path.join(dir, "app.ipa");
      await generateIpa(file, {
        bundleId: "com.example.openapi",
        version: "1.0",
        buildNumber: "1",
        name: "Doc",
        padBytes: 0,
      });
      const upload = await fetch(`${server.baseUrl}/api/v1/builds`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
        body: fs.readFileSync(file),
      });
      assert.equal(upload.status, 201);
      const { build } = (await upload.json()) as { build: Record<string, unknown> };
      const apps = await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
      const [app] = ((await apps.json()) as { apps: Record<string, unknown>[] }).apps;
      // The answers parse with the zod schemas the document is generated from.
      const parsedBuild = buildResponseSchema.safeParse(build);
      assert.ok(parsedBuild.success, JSON.stringify(parsedBuild.error?.issues));
      const parsedApp = appResponseSchema.safeParse(app);
      assert.ok(parsedApp.success, JSON.stringify(parsedApp.error?.issues));
      const doc = openApiDocument(server.baseUrl);
      for (const [name, value] of [
        ["Build", build],
        ["App", app],
      ] as const) {
        const schema = doc.components.schemas[name] as { required: string[]; properties: Record<string, unknown> };
        assert.ok(value, name);
        const keys = Object.keys(value);
        assert.deepEqual(
          keys.filter((k) => !(k in schema.properties)),
          [],
          `${name} fields the document does not describe`,
        );
        assert.deepEqual(
          schema.required.filter((k) => !keys.includes(k)),
          [],
          `${name} fields the document requires but the API does not send`,
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
