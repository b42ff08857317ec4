import { z } from "zod";
import type { ProvisioningState } from "@/lib/app-store-connect/data";
import {
  ascConnectionTestSchema,
  ascKeyResponseSchema,
  deviceSyncBodySchema,
  deviceSyncResponseSchema,
  provisionBodySchema,
  provisioningStateSchema,
  saveKeySchema,
} from "@/lib/app-store-connect/schema";
import type { AppDto } from "@/lib/apps/data";
import { appResponseSchema } from "@/lib/apps/schema";
import type { buildJson } from "@/lib/builds/build-json";
import { buildResponseSchema, codeSignatureSchema, editNotesBodySchema, warningSchema } from "@/lib/builds/schema";
import { channelNameSchema, promoteBuildBodySchema, renameChannelBodySchema } from "@/lib/channels/schema";
import { coverageEntrySchema } from "@/lib/devices/schema";
import { apiErrorSchema } from "@/lib/http/api-errors";
import { PAGE_DEFAULT, PAGE_MAX, pageQuerySchema } from "@/lib/http/pagination";
import { jobResponseSchema } from "@/lib/jobs/schema";
import type { WatchDto } from "@/lib/notifications/data";
import { setWatchSchema, watchResponseSchema } from "@/lib/notifications/schema";
import { signingIdentityResponseSchema } from "@/lib/signing/identities/schema";
import { signingProfileResponseSchema } from "@/lib/signing/profiles/schema";
import { renewBodySchema, resignPreviewResponseSchema } from "@/lib/signing/resign/schema";
import { TOKEN_SCOPES } from "@/lib/tokens/scopes";
import type { UpdateKeyDto } from "@/lib/update-check/data";
import {
  createUpdateKeyBodySchema,
  updateCheckResponseSchema,
  updateKeyResponseSchema,
} from "@/lib/update-check/schema";
import type { WebhookDto } from "@/lib/webhooks/data";
import { createWebhookBodySchema, webhookResponseSchema } from "@/lib/webhooks/schema";

/**
 * The OpenAPI 3.1 document of Ferry's public API (`/api/v1/**`), served at
 * `/api/v1/openapi.json`. `tests/openapi.test.ts` compares its paths and
 * methods with the route files, so a new route without documentation fails.
 * Request bodies and answers are generated from the zod schemas the routes
 * parse with and the DTOs are checked against (lib/<concept>/schema.ts), so
 * the rules documented are the rules enforced.
 */

type JsonSchema = Record<string, unknown>;

// The answers' schemas describe the DTOs the routes send: these fail to compile when the two drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const appMatches: Same<z.output<typeof appResponseSchema>, AppDto> = true;
const webhookMatches: Same<z.output<typeof webhookResponseSchema>, WebhookDto> = true;
const buildFieldsMatch: Same<
  keyof z.output<typeof buildResponseSchema>,
  keyof ReturnType<typeof buildJson> | "deviceCoverage"
> = true;
const watchMatches: Same<z.output<typeof watchResponseSchema>, WatchDto> = true;
const updateKeyMatches: Same<z.output<typeof updateKeyResponseSchema>, UpdateKeyDto> = true;
const provisioningMatches: Same<z.output<typeof provisioningStateSchema>, ProvisioningState> = true;
void [appMatches, webhookMatches, buildFieldsMatch, watchMatches, updateKeyMatches, provisioningMatches];
type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
};

/**
 * zod (v4) → JSON Schema, without the `$schema` key OpenAPI does not want
 * inline: `input` is what a client sends (defaults optional), `output` what
 * the API answers.
 */
function fromZod(schema: z.ZodType, io: "input" | "output" = "input"): JsonSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return json;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const error = (description: string) => json(ref("Error"), description);
const pathParam = (name: string, description: string, schema: JsonSchema = { type: "string" }) => ({
  name,
  in: "path",
  required: true,
  description,
  schema,
});
const query = (name: string, description: string, schema: JsonSchema = { type: "string" }) => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
});

const uuid = { type: "string", format: "uuid" };
/** Keyset pagination (lib/http/pagination.ts): the query of every paged list and the cursor it answers with. */
const pageParams = [
  query(
    "limit",
    `Rows per page (default ${PAGE_DEFAULT}, at most ${PAGE_MAX}).`,
    fromZod(pageQuerySchema.shape.limit, "input"),
  ),
  query("cursor", "The `nextCursor` of the previous page; omit for the first page."),
];
const nextCursor = {
  type: ["string", "null"],
  description: "Pass as `cursor` for the next page; null on the last page.",
};
const appId = pathParam("appId", "The app's id.", uuid);
const buildId = pathParam("buildId", "The build's id.", uuid);

/** Token scope needed (sessions carry every scope). */
const auth = (scope: (typeof TOKEN_SCOPES)[number]): Array<Record<string, string[]>> => [
  { bearerToken: [scope] },
  { session: [] },
];

/** Answers every authenticated route can give. */
const authErrors = {
  "401": error("No valid session or API token (`unauthorized`)."),
  "403": error("The caller's role or the token's scope does not allow this (`forbidden`)."),
  "503": error(
    "The database cannot be reached right now (`database_unavailable`) or every pooled connection stayed busy past the wait (`database_busy`): retry after `Retry-After` seconds.",
  ),
};

const uploadBody = (what: string) => ({
  required: true,
  description: `The ${what} as the raw request body, or as the multipart field \`file\`.`,
  content: {
    "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } },
    "multipart/form-data": {
      schema: {
        type: "object",
        required: ["file"],
        properties: {
          file: { type: "string", contentMediaType: "application/octet-stream" },
          notes: { type: "string", description: "Release notes (Markdown)." },
          channel: fromZod(channelNameSchema),
          createChannel: {
            type: "string",
            enum: ["true", "false"],
            description:
              "`false`: refuse (422 `unknown_channel`) a channel the app does not have yet, instead of creating it.",
          },
          appId: { ...uuid, description: "Upload to this existing app (its bundle id may differ: a warning says so)." },
        },
      },
    },
  },
});

const channelBody = fromZod(promoteBuildBodySchema);
const channelParam = pathParam("channel", "Channel name (compared lower-cased).");
const channelsCreated: JsonSchema = {
  type: "array",
  items: { type: "string" },
  description:
    "Channels this upload created (empty when it used existing ones): a typo shows here and in the audit trail.",
};
const promoted: Record<string, JsonSchema> = {
  channel: { type: "string" },
  changed: { type: "boolean" },
  channelCreated: { type: "boolean", description: "The app did not have this channel: it was created." },
};
const notesBody = fromZod(editNotesBodySchema);

/**
 * Components, each from the zod schema that defines it: request bodies as the
 * routes parse them (`input`), answers as the API sends them (`output`).
 */
const schemas: Record<string, JsonSchema> = {
  Error: fromZod(apiErrorSchema, "output"),
  Warning: fromZod(warningSchema, "output"),
  Build: fromZod(buildResponseSchema, "output"),
  CodeSignature: fromZod(codeSignatureSchema, "output"),
  Device: fromZod(coverageEntrySchema, "output"),
  App: fromZod(appResponseSchema, "output"),
  WebhookInput: fromZod(createWebhookBodySchema),
  Webhook: fromZod(webhookResponseSchema, "output"),
  SigningIdentity: fromZod(signingIdentityResponseSchema, "output"),
  SigningProfile: fromZod(signingProfileResponseSchema, "output"),
  Job: fromZod(jobResponseSchema, "output"),
  ResignPreview: fromZod(resignPreviewResponseSchema, "output"),
  RenewInput: fromZod(renewBodySchema),
  Watch: fromZod(watchResponseSchema, "output"),
  UpdateKey: fromZod(updateKeyResponseSchema, "output"),
  UpdateCheck: fromZod(updateCheckResponseSchema, "output"),
  AppStoreConnectKey: fromZod(ascKeyResponseSchema, "output"),
  AppStoreConnectConnection: fromZod(ascConnectionTestSchema, "output"),
  DeviceSync: fromZod(deviceSyncResponseSchema, "output"),
  Provisioning: fromZod(provisioningStateSchema, "output"),
};

const buildResponse = (description: string, extra: Record<string, JsonSchema> = {}) =>
  json({ type: "object", required: ["build"], properties: { build: ref("Build"), ...extra } }, description);

/** POST …/resign and …/resign/preview take the same body. */
const resignBody = {
  required: true,
  content: {
    "application/json": {
      schema: {
        type: "object",
        required: ["identityId"],
        properties: {
          identityId: uuid,
          profileId: { ...uuid, description: "The profile for the app (and any bundle it covers)." },
          profiles: {
            type: "object",
            additionalProperties: uuid,
            description: "A profile per bundle id, for extensions that need their own.",
          },
          channels: {
            type: "array",
            items: fromZod(channelNameSchema),
            description: "Where the new build lands.",
          },
        },
      },
    },
  },
};

const paths: Record<string, Record<string, Operation>> = {
  "/api/v1/openapi.json": {
    get: {
      operationId: "getOpenApi",
      summary: "This document",
      tags: ["meta"],
      security: [],
      responses: { "200": json({ type: "object" }, "The OpenAPI 3.1 document.") },
    },
  },
  "/api/v1/builds": {
    post: {
      operationId: "uploadBuild",
      summary: "Upload a build (.ipa)",
      description:
        "Streams the .ipa (never buffered), analyses it and stores it. Fields may also be query parameters " +
        "(`?notes=…&channel=beta&appId=…`), which raw-body uploads need. Admins and the app's uploaders only; " +
        "a restricted channel only by those in one of its groups. Re-sending stored bytes answers `200` with the " +
        "existing build as the caller may see it (no notes, channels or uploader when it is only in channels they cannot see).",
      tags: ["builds"],
      security: auth("upload"),
      parameters: [
        query("notes", "Release notes (Markdown)."),
        query(
          "channel",
          "Channel to add the build to; default: the app's default channel. A channel the app does not have yet is created (the answer's `channelsCreated` names it, and the audit trail has `channel.create`) unless `createChannel=false`.",
          fromZod(channelNameSchema),
        ),
        query("createChannel", "`false`: refuse a channel the app does not have yet (422 `unknown_channel`).", {
          type: "string",
          enum: ["true", "false"],
        }),
        query("appId", "Upload to this existing app.", uuid),
      ],
      requestBody: uploadBody("`.ipa`"),
      responses: {
        "201": buildResponse("Stored.", { channelsCreated }),
        "200": buildResponse("The same bytes were uploaded before: the existing build.", {
          channelsCreated,
          duplicate: {
            type: "object",
            properties: {
              notesIgnored: { type: "boolean" },
              addedToChannel: { type: ["string", "null"] },
              message: { type: "string" },
            },
          },
        }),
        "400": error("Empty or malformed request (`empty_body`, `bad_request`)."),
        ...authErrors,
        "413": error("Larger than `MAX_UPLOAD_SIZE` (`payload_too_large`)."),
        "422": error(
          "Not a readable iOS app: `not_a_zip`, `no_payload`, `not_an_ios_app`, `invalid_bundle_id`, `invalid_version`, `invalid_name`…; or `unknown_channel` with `createChannel=false`.",
        ),
        "507": error("The server's disk is full (`insufficient_storage`)."),
      },
    },
  },
  "/api/v1/builds/{buildId}": {
    get: {
      operationId: "getBuild",
      summary: "One build",
      tags: ["builds"],
      security: auth("read"),
      parameters: [buildId],
      responses: {
        "200": buildResponse("The build with the caller's install links and warnings."),
        ...authErrors,
        "404": error("No such build, or not one the caller may see (`not_found`)."),
      },
    },
    patch: {
      operationId: "editBuildNotes",
      summary: "Edit release notes",
      description: "Markdown; an empty string removes them. Admins and the app's uploaders.",
      tags: ["builds"],
      security: auth("upload"),
      parameters: [buildId],
      requestBody: { required: true, content: { "application/json": { schema: notesBody } } },
      responses: {
        "200": buildResponse("Saved.", { changed: { type: "boolean" } }),
        "400": error("Not `{ notes }` or too long (`bad_request`)."),
        "413": error("Body over 128 KiB (`payload_too_large`)."),
        ...authErrors,
        "404": error("No such build (`not_found`)."),
      },
    },
    delete: {
      operationId: "deleteBuild",
      summary: "Delete a build",
      description: "Removes the build, its file and icons; its install links stop at once.",
      tags: ["builds"],
      security: auth("upload"),
      parameters: [buildId],
      responses: { "204": { description: "Deleted." }, ...authErrors, "404": error("No such build (`not_found`).") },
    },
  },
  "/api/v1/builds/{buildId}/channels": {
    post: {
      operationId: "promoteBuild",
      summary: "Add (promote) a build to a channel",
      tags: ["channels"],
      security: auth("upload"),
      parameters: [buildId],
      requestBody: { required: true, content: { "application/json": { schema: channelBody } } },
      responses: {
        "201": buildResponse("Added.", promoted),
        "200": buildResponse("It was already there.", promoted),
        "400": error("Not `{ channel }` or not a valid name (`bad_request`)."),
        "413": error("Body over 128 KiB (`payload_too_large`)."),
        ...authErrors,
        "403": error(
          "Not an admin or an uploader of the app, the token lacks `upload`, or the channel is restricted to groups the caller is not in (`forbidden`).",
        ),
        "404": error("No such build (`not_found`)."),
        "422": error("`unknown_channel`: the app has no such channel and `createChannel` was false."),
      },
    },
  },
  "/api/v1/builds/{buildId}/channels/{channel}": {
    delete: {
      operationId: "removeBuildFromChannel",
      summary: "Take a build out of a channel",
      description:
        "The build stays (in its other channels); install links that reached it only through this channel stop working. Admins and the app's uploaders who see the channel.",
      tags: ["channels"],
      security: auth("upload"),
      parameters: [buildId, channelParam],
      responses: {
        "200": buildResponse("Removed.", { removedFrom: { type: "string" } }),
        ...authErrors,
        "404": error("No such build or channel, or the build is not in it (`not_found`)."),
        "409": error("It is the build's only channel: add it to another first, or delete the build (`conflict`)."),
      },
    },
  },
  "/api/v1/apps": {
    get: {
      operationId: "listApps",
      summary: "Apps the caller sees",
      description: "Most recently updated first, a page at a time.",
      tags: ["apps"],
      security: auth("read"),
      parameters: pageParams,
      responses: {
        "200": json(
          {
            type: "object",
            required: ["apps", "nextCursor"],
            properties: { apps: { type: "array", items: ref("App") }, nextCursor },
          },
          "A page of apps.",
        ),
        "400": error("Bad `limit` or `cursor` (`bad_request`)."),
        ...authErrors,
      },
    },
  },
  "/api/v1/apps/{appId}/builds": {
    get: {
      operationId: "listBuilds",
      summary: "Builds of an app",
      description: "Newest first, a page at a time, with the caller's own install links and current warnings.",
      tags: ["apps", "builds"],
      security: auth("read"),
      parameters: [appId, ...pageParams],
      responses: {
        "200": json(
          {
            type: "object",
            required: ["app", "builds", "nextCursor"],
            properties: { app: ref("App"), builds: { type: "array", items: ref("Build") }, nextCursor },
          },
          "The app and a page of its builds.",
        ),
        "400": error("Bad `limit` or `cursor` (`bad_request`)."),
        ...authErrors,
        "404": error("No such app, or not one the caller may see (`not_found`)."),
      },
    },
  },
  "/api/v1/apps/{appId}/channels/{channel}": {
    patch: {
      operationId: "renameChannel",
      summary: "Rename a channel",
      description:
        "Its builds, group grants and watchers stay; its page and channel install links move to the new name. Admins and the app's uploaders who see the channel.",
      tags: ["channels"],
      security: auth("upload"),
      parameters: [appId, channelParam],
      requestBody: { required: true, content: { "application/json": { schema: fromZod(renameChannelBodySchema) } } },
      responses: {
        "200": json(
          {
            type: "object",
            required: ["channel", "previous", "changed"],
            properties: { channel: { type: "string" }, previous: { type: "string" }, changed: { type: "boolean" } },
          },
          "Renamed (or already so named).",
        ),
        "400": error("Not `{ name }` or not a valid name (`bad_request`)."),
        "413": error("Body over 128 KiB (`payload_too_large`)."),
        ...authErrors,
        "404": error("No such app or channel for the caller (`not_found`)."),
        "409": error("The app already has a channel by that name (`conflict`)."),
      },
    },
    delete: {
      operationId: "deleteChannel",
      summary: "Delete a channel",
      description:
        "Never deletes builds: they leave the channel, and those in no other channel move to `moveTo`. The channel's group grants, watchers and channel install links go with it. The app's default channel cannot be deleted.",
      tags: ["channels"],
      security: auth("upload"),
      parameters: [
        appId,
        channelParam,
        query(
          "moveTo",
          "Where builds that are in no other channel go (required when there are any).",
          fromZod(channelNameSchema),
        ),
      ],
      responses: {
        "200": json(
          {
            type: "object",
            required: ["deleted", "buildsRemoved", "buildsMoved", "moveTo"],
            properties: {
              deleted: { type: "string" },
              buildsRemoved: { type: "integer" },
              buildsMoved: { type: "integer" },
              moveTo: { type: ["string", "null"] },
            },
          },
          "Deleted.",
        ),
        ...authErrors,
        "404": error("No such app or channel for the caller (`not_found`)."),
        "409": error("The default channel, or builds only in this channel and no `moveTo` (`conflict`)."),
      },
    },
  },
  "/api/v1/apps/{appId}/channels/{channel}/latest": {
    get: {
      operationId: "latestInChannel",
      summary: "Newest build of a channel",
      description: '"Newest" means last added to the channel, so a promoted build becomes the newest.',
      tags: ["channels"],
      security: auth("read"),
      parameters: [appId, pathParam("channel", "Channel name (compared lower-cased).")],
      responses: {
        "200": buildResponse("The channel's newest build the caller sees.", { channel: { type: "string" } }),
        ...authErrors,
        "404": error("`not_found` (no such channel for the caller) or `channel_empty`."),
      },
    },
  },
  "/api/v1/apps/{appId}/webhooks": {
    post: {
      operationId: "createWebhook",
      summary: "Add a webhook to an app",
      description:
        "Admins. Each delivery is a JSON POST signed with the secret (`X-Ferry-Signature`), retried with backoff.",
      tags: ["webhooks"],
      security: auth("upload"),
      parameters: [appId],
      requestBody: { required: true, content: { "application/json": { schema: ref("WebhookInput") } } },
      responses: {
        "201": json(
          {
            type: "object",
            required: ["webhook", "secret"],
            properties: {
              webhook: ref("Webhook"),
              secret: { type: "string", description: "Shown once: store it to verify signatures." },
            },
          },
          "Created.",
        ),
        "400": error("Invalid or refused URL, events or format (`bad_request`)."),
        "413": error("Body over 128 KiB (`payload_too_large`)."),
        ...authErrors,
        "404": error("No such app (`not_found`)."),
      },
    },
    get: {
      operationId: "listWebhooks",
      summary: "Webhooks of an app and their deliveries",
      description: "Admins. The webhooks, and their deliveries newest first, a page at a time.",
      tags: ["webhooks"],
      security: auth("read"),
      parameters: [appId, ...pageParams],
      responses: {
        "200": json(
          {
            type: "object",
            required: ["webhooks", "deliveries", "nextCursor"],
            properties: {
              webhooks: { type: "array", items: ref("Webhook") },
              deliveries: { type: "array", items: { type: "object" } },
              nextCursor,
            },
          },
          "The app's webhooks (secrets masked) and a page of deliveries.",
        ),
        "400": error("Bad `limit` or `cursor` (`bad_request`)."),
        ...authErrors,
        "404": error("No such app (`not_found`)."),
      },
    },
  },
  "/api/v1/apps/{appId}/webhooks/{webhookId}": {
    delete: {
      operationId: "deleteWebhook",
      summary: "Delete a webhook",
      tags: ["webhooks"],
      security: auth("upload"),
      parameters: [appId, pathParam("webhookId", "The webhook's id.", uuid)],
      responses: { "204": { description: "Deleted." }, ...authErrors, "404": error("No such webhook (`not_found`).") },
    },
  },
  "/api/v1/apps/{appId}/webhooks/{webhookId}/test": {
    post: {
      operationId: "testWebhook",
      summary: "Send a test (ping) to a webhook",
      description:
        "Admins. Sends a signed `ping` event now through the normal delivery path (address policy, timeout, " +
        "signature) and records it in the delivery log; not retried.",
      tags: ["webhooks"],
      security: auth("upload"),
      parameters: [appId, pathParam("webhookId", "The webhook's id.", uuid)],
      responses: {
        "200": json(
          {
            type: "object",
            required: ["ok", "status", "error", "deliveryId"],
            properties: {
              ok: { type: "boolean", description: "The receiver answered 2xx." },
              status: { type: ["integer", "null"], description: "The receiver's HTTP status (null: no answer)." },
              error: { type: ["string", "null"], description: "Why it failed (e.g. `ECONNREFUSED`, `HTTP 500`)." },
              deliveryId: uuid,
            },
          },
          "The test was attempted (see `ok`).",
        ),
        ...authErrors,
        "404": error("No such webhook (`not_found`)."),
      },
    },
  },
  "/api/v1/apps/{appId}/update-keys": {
    get: {
      operationId: "listUpdateKeys",
      summary: "Update keys of an app",
      description: "Admins and the app's uploaders. The keys themselves are never shown again.",
      tags: ["updates"],
      security: auth("read"),
      parameters: [appId],
      responses: {
        "200": json(
          {
            type: "object",
            required: ["updateKeys"],
            properties: { updateKeys: { type: "array", items: ref("UpdateKey") } },
          },
          "The app's update keys, newest first.",
        ),
        ...authErrors,
      },
    },
    post: {
      operationId: "createUpdateKey",
      summary: "Create an update key",
      description:
        "Admins and the app's uploaders. A read-only key the app embeds to call `GET /api/v1/apps/{bundleId}/latest`.",
      tags: ["updates"],
      security: auth("upload"),
      parameters: [appId],
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: fromZod(createUpdateKeyBodySchema),
          },
        },
      },
      responses: {
        "201": json(
          {
            type: "object",
            required: ["updateKey", "key"],
            properties: {
              updateKey: ref("UpdateKey"),
              key: { type: "string", description: "`ferryu_…`, shown once: only its hash is stored." },
            },
          },
          "Created.",
        ),
        "400": error("Missing or too long name (`bad_request`)."),
        "413": error("Body over 4 KiB (`payload_too_large`)."),
        ...authErrors,
      },
    },
  },
  "/api/v1/apps/{appId}/update-keys/{keyId}": {
    delete: {
      operationId: "revokeUpdateKey",
      summary: "Revoke an update key",
      tags: ["updates"],
      security: auth("upload"),
      parameters: [appId, pathParam("keyId", "The update key's id.", uuid)],
      responses: {
        "204": { description: "Revoked: checks with it now get 401." },
        ...authErrors,
        "404": error("No such key, or revoked already (`not_found`)."),
      },
    },
  },
  "/api/v1/apps/{bundleId}/latest": {
    get: {
      operationId: "checkForUpdate",
      summary: "In-app update check",
      description:
        "For the app itself: send its update key as `Authorization: Bearer ferryu_…` or `X-Ferry-Update-Key`. " +
        "Answers the newest build of one unrestricted channel (default: the app's default channel) compared with " +
        "the caller's version (numerically by component, then the build number). Reveals nothing else and never " +
        "an install link. Any key problem (missing, unknown, revoked, another app's) is the same 401.",
      tags: ["updates"],
      security: [{ updateKey: [] }],
      parameters: [
        pathParam("bundleId", "The app's bundle id (its id works too).", { type: "string" }),
        query("channel", "A channel name; default: the app's default channel.", fromZod(channelNameSchema)),
        query("version", "The running app's CFBundleShortVersionString, e.g. 1.2.3."),
        query("build", "The running app's CFBundleVersion, e.g. 45."),
      ],
      responses: {
        "200": json(ref("UpdateCheck"), "The newest build (all null when the channel has none yet)."),
        "400": error("A malformed channel, version or build (`bad_request`)."),
        "401": error("Missing, unknown, revoked or another app's update key (`unauthorized`)."),
        "404": error("No such channel, or a restricted one (`not_found`)."),
        "503": error(
          "The database cannot be reached (`database_unavailable`) or is busy (`database_busy`) right now: retry.",
        ),
      },
    },
  },
  "/api/v1/watches": {
    get: {
      operationId: "listWatches",
      summary: "What the caller watches",
      description: "Apps and channels the caller gets an email about when a new build is out.",
      tags: ["notifications"],
      security: auth("read"),
      responses: {
        "200": json(
          {
            type: "object",
            required: ["emailEnabled", "watches"],
            properties: {
              emailEnabled: { type: "boolean", description: "Whether this server sends email (SMTP configured)." },
              watches: { type: "array", items: ref("Watch") },
            },
          },
          "The caller's watches.",
        ),
        ...authErrors,
      },
    },
    post: {
      operationId: "setWatch",
      summary: "Watch or unwatch an app or channel",
      description:
        "For the caller only. The app and channel pages post the same fields form-encoded and get a 303 back to the page.",
      tags: ["notifications"],
      security: auth("read"),
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: fromZod(setWatchSchema) },
          "application/x-www-form-urlencoded": { schema: fromZod(setWatchSchema) },
        },
      },
      responses: {
        "200": json(
          {
            type: "object",
            required: ["watching", "appId", "channel"],
            properties: { watching: { type: "boolean" }, appId: uuid, channel: { type: ["string", "null"] } },
          },
          "The watch as it now is.",
        ),
        "303": { description: "Form posts: back to the app or channel page (`Location`)." },
        "400": error("Bad fields (`bad_request`)."),
        "413": error("Body over 4 KiB (`payload_too_large`)."),
        ...authErrors,
        "404": error("No such app or channel for the caller (`not_found`)."),
      },
    },
  },
  "/api/v1/notifications/unsubscribe": {
    post: {
      operationId: "unsubscribe",
      summary: "One-click unsubscribe (RFC 8058)",
      description:
        "The URL of an email's `List-Unsubscribe` header: mail clients POST `List-Unsubscribe=One-Click` to it. " +
        "No session: the signed token is the authorization, and it only removes watches.",
      tags: ["notifications"],
      security: [],
      parameters: [{ ...query("token", "The signed token from the email."), required: true }],
      responses: {
        "200": json(
          {
            type: "object",
            required: ["removed", "all"],
            properties: { removed: { type: "integer" }, all: { type: "boolean" } },
          },
          "Unsubscribed (removed may be 0 when it was done already).",
        ),
        "404": error("Not a valid token (`invalid_token`)."),
      },
    },
  },
  "/api/v1/downloads/completed": {
    post: {
      operationId: "reportOffloadedDownload",
      summary: "nginx's report of an offloaded download (internal)",
      description:
        "Not for clients. With `DOWNLOAD_OFFLOAD=nginx`, nginx's `post_action` reports here when it finished " +
        "sending an `.ipa` (docs/nginx/ferry.conf): the shared `X-Ferry-Offload-Secret`, the signed receipt " +
        "Ferry put in its `X-Accel-Redirect` answer, `$request_completion`, `$status`, `$body_bytes_sent` and " +
        "the Content-Range sent. A download that reached its last byte is counted once in the install funnel.",
      tags: ["meta"],
      security: [],
      responses: {
        "204": { description: "Received (counted, or ignored: incomplete, expired, already counted)." },
        "404": error("No or wrong secret, or reports are off (`not_found`)."),
      },
    },
  },
  "/api/v1/signing/identities": {
    get: {
      operationId: "listSigningIdentities",
      summary: "Signing identities",
      description: "Admins (token scope `sign`). Never the private keys.",
      tags: ["signing"],
      security: auth("sign"),
      responses: {
        "200": json(
          {
            type: "object",
            required: ["identities"],
            properties: { identities: { type: "array", items: ref("SigningIdentity") } },
          },
          "Newest first.",
        ),
        ...authErrors,
      },
    },
    post: {
      operationId: "addSigningIdentity",
      summary: "Add a signing identity",
      description:
        "Admins (token scope `sign`). A `.p12` with its password, or a PEM certificate (then its chain) and PEM private key. The key is encrypted at rest (AES-256-GCM under SIGNING_KEY_SECRET or AUTH_SECRET) and never leaves the server.",
      tags: ["signing"],
      security: auth("sign"),
      requestBody: {
        required: true,
        content: {
          "multipart/form-data": {
            schema: {
              type: "object",
              properties: {
                file: { type: "string", contentMediaType: "application/x-pkcs12", description: "The .p12." },
                password: { type: "string", description: "The .p12's password (or an encrypted PKCS#8 key's)." },
                certificate: { type: "string", description: "PEM certificate, then its chain." },
                key: { type: "string", description: "PEM private key (PKCS#8, PKCS#1 or SEC1)." },
              },
            },
          },
        },
      },
      responses: {
        "201": json(
          { type: "object", required: ["identity"], properties: { identity: ref("SigningIdentity") } },
          "Added.",
        ),
        "400": error("Neither a .p12 nor a certificate and key (`bad_request`)."),
        ...authErrors,
        "409": error("This certificate is already added (`conflict`)."),
        "413": error("Over the size of any real identity (`payload_too_large`)."),
        "422": error(
          "`signing_identity_wrong_password`, `signing_identity_key_mismatch`, `signing_identity_unreadable`, `signing_identity_no_private_key`, `signing_identity_no_certificate`, `signing_identity_unsuitable_certificate`, `signing_identity_too_costly`.",
        ),
      },
    },
  },
  "/api/v1/signing/identities/{identityId}": {
    delete: {
      operationId: "deleteSigningIdentity",
      summary: "Delete a signing identity and its key",
      tags: ["signing"],
      security: auth("sign"),
      parameters: [pathParam("identityId", "The identity's id.", uuid)],
      responses: { "204": { description: "Deleted." }, ...authErrors, "404": error("No such identity (`not_found`).") },
    },
  },
  "/api/v1/signing/profiles": {
    get: {
      operationId: "listSigningProfiles",
      summary: "Provisioning profiles for re-signing",
      tags: ["signing"],
      security: auth("sign"),
      responses: {
        "200": json(
          {
            type: "object",
            required: ["profiles"],
            properties: { profiles: { type: "array", items: ref("SigningProfile") } },
          },
          "Newest first.",
        ),
        ...authErrors,
      },
    },
    post: {
      operationId: "addSigningProfile",
      summary: "Add a provisioning profile for re-signing",
      description: "Admins (token scope `sign`). Whether it fits an identity and a build is checked when it is used.",
      tags: ["signing"],
      security: auth("sign"),
      requestBody: uploadBody("`.mobileprovision`"),
      responses: {
        "201": json(
          { type: "object", required: ["profile"], properties: { profile: ref("SigningProfile") } },
          "Added.",
        ),
        "400": error("Empty body (`empty_body`)."),
        ...authErrors,
        "409": error("A profile with this UUID is already added (`conflict`)."),
        "413": error("Too large for a profile (`payload_too_large`)."),
        "422": error("`not_a_profile` or `malformed_profile`."),
      },
    },
  },
  "/api/v1/signing/profiles/{profileId}": {
    delete: {
      operationId: "deleteSigningProfile",
      summary: "Delete a provisioning profile",
      tags: ["signing"],
      security: auth("sign"),
      parameters: [pathParam("profileId", "The profile's id.", uuid)],
      responses: { "204": { description: "Deleted." }, ...authErrors, "404": error("No such profile (`not_found`).") },
    },
  },
  "/api/v1/builds/{buildId}/resign": {
    post: {
      operationId: "resignBuild",
      summary: "Re-sign a build with another identity and profile",
      description:
        "Admins (token scope `sign`). Queues a job that re-signs every bundle inside out with the identity, embeds the profile(s), rewrites the app's entitlements for the new team and profile, and stores the result as a new build (`resignedFrom` the original), analysed and verified like an upload, firing `build.created` and `build.resigned`. A profile that does not fit (certificate, team, app id, entitlements, expiry) fails with its own code before anything is written.",
      tags: ["signing"],
      security: auth("sign"),
      parameters: [buildId],
      requestBody: resignBody,
      responses: {
        "202": json({ type: "object", required: ["job"], properties: { job: ref("Job") } }, "Queued: poll the job."),
        "400": error("Invalid body (`bad_request`)."),
        ...authErrors,
        "404": error("No such build, identity or profile (`not_found`)."),
        "413": error("Body over 128 KiB (`payload_too_large`)."),
        "422": error(
          "`signing_profile_certificate_mismatch`, `signing_profile_team_mismatch`, `signing_profile_app_id_mismatch`, `signing_profile_expired`, `signing_identity_expired`.",
        ),
      },
    },
  },
  "/api/v1/builds/{buildId}/resign/preview": {
    post: {
      operationId: "previewResign",
      summary: "Preview a re-sign: entitlement changes and refusals, nothing written",
      description:
        "Admins (token scope `sign`). The same body as `POST …/resign` and the same plan the job runs, read from the stored build: each bundle (the app, then its extensions and nested apps) with the profile it would get, its entitlements before and after (keys added, removed, changed: `application-identifier` and `com.apple.developer.team-identifier` for the new team, `keychain-access-groups`, `aps-environment`, `get-task-allow`), and `error` when the re-sign would be refused for it, with the code the re-sign fails with (`signing_profile_missing_entitlement`, `signing_profile_app_id_mismatch`, …). No job is queued and nothing is stored.",
      tags: ["signing"],
      security: auth("sign"),
      parameters: [buildId],
      requestBody: resignBody,
      responses: {
        "200": json(
          { type: "object", required: ["preview"], properties: { preview: ref("ResignPreview") } },
          "What a re-sign would do; `ok` is false when a bundle would be refused.",
        ),
        "400": error("Invalid body, or no profile for the app (`bad_request`)."),
        ...authErrors,
        "404": error("No such build, identity or profile (`not_found`)."),
        "413": error("Body over 128 KiB (`payload_too_large`)."),
        "422": error("The build cannot be read (`not_an_ipa`, `no_app_bundle`, …) or the certificate names no team."),
      },
    },
  },
  "/api/v1/signing/profiles/{profileId}/renew": {
    get: {
      operationId: "listRenewableBuilds",
      summary: "The builds renewing a profile would re-sign",
      description:
        "Admins (token scope `sign`). The newest build of every channel whose embedded profile is this one, with the channels it heads.",
      tags: ["signing"],
      security: auth("sign"),
      parameters: [pathParam("profileId", "The profile about to expire.", uuid)],
      responses: {
        "200": json(
          {
            type: "object",
            required: ["builds"],
            properties: {
              builds: {
                type: "array",
                items: {
                  type: "object",
                  required: ["buildId", "appId", "appName", "bundleId", "version", "buildNumber", "channels"],
                  properties: {
                    buildId: uuid,
                    appId: uuid,
                    appName: { type: "string" },
                    bundleId: { type: "string" },
                    version: { type: "string" },
                    buildNumber: { type: "string" },
                    channels: { type: "array", items: { type: "string" } },
                  },
                },
              },
            },
          },
          "Newest first per app.",
        ),
        ...authErrors,
        "404": error("No such profile (`not_found`)."),
      },
    },
    post: {
      operationId: "renewProfileBuilds",
      summary: "Renew the builds signed with a profile about to expire",
      description:
        "Admins (token scope `sign`). Re-signs the newest build of every channel that embeds this profile with a newer one (same team, an app id covering the apps, a later expiry) and the identity, one job per build, landing in the channels it heads. Every build is checked before any job is queued; audited as `signing_profile.renew` plus one `build.resign` per job.",
      tags: ["signing"],
      security: auth("sign"),
      parameters: [pathParam("profileId", "The profile about to expire.", uuid)],
      requestBody: { required: true, content: { "application/json": { schema: ref("RenewInput") } } },
      responses: {
        "202": json(
          {
            type: "object",
            required: ["jobs"],
            properties: {
              jobs: {
                type: "array",
                items: {
                  type: "object",
                  required: ["id", "status", "url", "buildId", "channels"],
                  properties: {
                    id: uuid,
                    status: { type: "string" },
                    url: { type: "string", description: "Poll this (GET /api/v1/jobs/{jobId})." },
                    buildId: { ...uuid, description: "The build being re-signed." },
                    channels: { type: "array", items: { type: "string" } },
                  },
                },
              },
            },
          },
          "Queued, one job per build (none when no build embeds the profile).",
        ),
        "400": error("Invalid body (`bad_request`)."),
        ...authErrors,
        "404": error("No such profile or identity (`not_found`)."),
        "422": error(
          "`signing_profile_not_newer`, `signing_profile_team_mismatch`, `signing_profile_app_id_mismatch`, `signing_profile_certificate_mismatch`, `signing_profile_expired`, `signing_identity_expired`.",
        ),
      },
    },
  },
  "/api/v1/app-store-connect/key": {
    get: {
      operationId: "getAppStoreConnectKey",
      summary: "The App Store Connect API key Ferry uses",
      description: "Admins (token scope `sign`). Issuer id and key id; the .p8 is never returned.",
      tags: ["signing"],
      security: auth("sign"),
      responses: {
        "200": json({ type: "object", required: ["key"], properties: { key: ref("AppStoreConnectKey") } }, "The key."),
        ...authErrors,
      },
    },
    put: {
      operationId: "setAppStoreConnectKey",
      summary: "Store the App Store Connect API key",
      description:
        "Admins (token scope `sign`). The key needs the Admin or App Manager role. Encrypted at rest; replaces the key before.",
      tags: ["signing"],
      security: auth("sign"),
      requestBody: { required: true, content: { "application/json": { schema: fromZod(saveKeySchema) } } },
      responses: {
        "200": json({ type: "object", required: ["key"], properties: { key: ref("AppStoreConnectKey") } }, "Stored."),
        "400": error("Invalid body (`bad_request`)."),
        ...authErrors,
        "422": error("Not a P-256 .p8 (`asc_key_invalid`)."),
      },
    },
    delete: {
      operationId: "deleteAppStoreConnectKey",
      summary: "Forget the App Store Connect API key",
      tags: ["signing"],
      security: auth("sign"),
      responses: { "204": { description: "Deleted." }, ...authErrors, "404": error("No key (`not_found`).") },
    },
  },
  "/api/v1/app-store-connect/test": {
    post: {
      operationId: "testAppStoreConnect",
      summary: "Test the App Store Connect connection",
      description:
        "Admins (token scope `sign`). The account's certificates and its registered devices per kind against Apple's 100 a year.",
      tags: ["signing"],
      security: auth("sign"),
      responses: {
        "200": json(
          { type: "object", required: ["connection"], properties: { connection: ref("AppStoreConnectConnection") } },
          "What the key sees.",
        ),
        ...authErrors,
        "409": error("No key set up (`asc_not_configured`)."),
        "422": error("Apple refused, with its detail: `asc_unauthorized`, `asc_forbidden`."),
        "502": error("App Store Connect unreachable (`asc_unavailable`)."),
        "503": error("Rate limited past the backoff (`asc_rate_limited`)."),
      },
    },
  },
  "/api/v1/apps/{appId}/device-sync": {
    get: {
      operationId: "getDeviceSync",
      summary: 'An app\'s "Keep devices in sync"',
      tags: ["signing"],
      security: auth("sign"),
      parameters: [appId],
      responses: {
        "200": json({ type: "object", required: ["sync"], properties: { sync: ref("DeviceSync") } }, "The setting."),
        ...authErrors,
      },
    },
    put: {
      operationId: "setDeviceSync",
      summary: 'Turn "Keep devices in sync" on or off',
      description:
        "Admins (token scope `sign`). The identity's certificate must be in the key's account; the profile type is `ad-hoc` or `development`.",
      tags: ["signing"],
      security: auth("sign"),
      parameters: [appId],
      requestBody: { required: true, content: { "application/json": { schema: fromZod(deviceSyncBodySchema) } } },
      responses: {
        "200": json({ type: "object", required: ["sync"], properties: { sync: ref("DeviceSync") } }, "Saved."),
        "400": error("Invalid body (`bad_request`)."),
        ...authErrors,
        "404": error("No such app or identity (`not_found`)."),
      },
    },
  },
  "/api/v1/builds/{buildId}/devices": {
    get: {
      operationId: "getBuildProvisioning",
      summary: "Devices a build lacks and the work adding them",
      tags: ["devices"],
      security: auth("read"),
      parameters: [buildId],
      responses: {
        "200": json(
          { type: "object", required: ["provisioning"], properties: { provisioning: ref("Provisioning") } },
          "The caller's devices (admins: all) the profile lacks, the pending ones, the job.",
        ),
        ...authErrors,
        "404": error("No such build (`not_found`)."),
      },
    },
    post: {
      operationId: "addDevicesToBuild",
      summary: "Add my iPhone",
      description:
        "Registers the caller's devices the build lacks (admins: any, or every missing one) with Apple, regenerates the app's profiles and re-signs the newest build of each channel the owners see: one job per app per minute.",
      tags: ["devices"],
      security: auth("upload"),
      parameters: [buildId],
      requestBody: { required: true, content: { "application/json": { schema: fromZod(provisionBodySchema) } } },
      responses: {
        "202": json(
          {
            type: "object",
            required: ["job"],
            properties: {
              job: {
                type: "object",
                required: ["id", "status", "runAt"],
                properties: { id: uuid, status: { type: "string" }, runAt: { type: "string", format: "date-time" } },
              },
            },
          },
          "Queued (or joined the app's queued job).",
        ),
        "400": error("Not an ad hoc or development build, or every device is in it already (`bad_request`)."),
        ...authErrors,
        "404": error("No such build or device (`not_found`)."),
        "409": error("Device sync is off for the app (`asc_not_configured`)."),
      },
    },
  },
  "/api/v1/jobs/{jobId}": {
    get: {
      operationId: "getJob",
      summary: "A background job",
      description: "Admins (token scope `sign`). `buildId` once a re-sign succeeded; `error` when an attempt failed.",
      tags: ["signing"],
      security: auth("sign"),
      parameters: [pathParam("jobId", "The job's id.", uuid)],
      responses: {
        "200": json({ type: "object", required: ["job"], properties: { job: ref("Job") } }, "The job."),
        ...authErrors,
        "404": error("No such job (`not_found`)."),
      },
    },
  },
  "/api/v1/profiles/inspect": {
    post: {
      operationId: "inspectProfile",
      summary: "Inspect a provisioning profile",
      description: "Type, team, app id, expiry, devices, entitlements of note, signature, warnings. Nothing is stored.",
      tags: ["profiles"],
      security: auth("upload"),
      requestBody: uploadBody("`.mobileprovision`"),
      responses: {
        "200": json(
          {
            type: "object",
            required: ["profile", "warnings"],
            properties: { profile: { type: "object" }, warnings: { type: "array", items: ref("Warning") } },
          },
          "What the profile says.",
        ),
        "400": error("Empty body (`empty_body`)."),
        ...authErrors,
        "413": error("Too large for a profile (`payload_too_large`)."),
        "422": error("`not_a_profile` or `malformed_profile`."),
      },
    },
  },
  "/api/v1/devices/export": {
    get: {
      operationId: "exportDevices",
      summary: "Export registered devices",
      description: "Admins. Apple's bulk-registration format (tab-separated) or CSV.",
      tags: ["devices"],
      security: auth("read"),
      parameters: [
        query("format", "`apple` (default) or `csv`.", { type: "string", enum: ["apple", "csv"], default: "apple" }),
        query("buildId", "Only the devices missing from this build's profile.", uuid),
      ],
      responses: {
        "200": {
          description: "The device list as an attachment.",
          content: { "text/plain": { schema: { type: "string" } }, "text/csv": { schema: { type: "string" } } },
        },
        "400": error("Unknown format, or the build is not limited to listed devices (`bad_request`)."),
        ...authErrors,
        "404": error("No such build (`not_found`)."),
      },
    },
  },
  "/api/v1/devices/import": {
    post: {
      operationId: "importDevices",
      summary: "Import devices",
      description: "Admins. Apple's bulk format as the raw text body (at most 1 MiB).",
      tags: ["devices"],
      security: auth("upload"),
      requestBody: { required: true, content: { "text/plain": { schema: { type: "string" } } } },
      responses: {
        "200": json(
          { type: "object", properties: { added: { type: "integer" }, existing: { type: "integer" } } },
          "Imported.",
        ),
        "400": error("Empty body or a bad line (`empty_body`, `bad_request`)."),
        ...authErrors,
        "413": error("Over 1 MiB (`payload_too_large`)."),
      },
    },
  },
  "/api/v1/devices/profile-service": {
    post: {
      operationId: "deviceProfileService",
      summary: "Device enrollment answer (iOS)",
      description:
        "Posted by iOS itself after an employee installs the enrollment profile: the CMS-signed device attributes. " +
        "No cookie or token: the single-use challenge inside the signed plist names the user. The signer must be a " +
        "device identity Apple issued (through Apple iPhone Device CA); a device registered to another user never moves.",
      tags: ["devices"],
      security: [],
      requestBody: { required: true, content: { "application/pkcs7-signature": { schema: { type: "string" } } } },
      responses: {
        "301": { description: "Registered: Safari is sent to the confirmation page (`Location`)." },
        "400": error("`unsigned_device_response`, `device_signature_invalid`, `malformed_device_response`."),
        "403": error(
          "`enrollment_challenge_invalid`, `device_certificate_untrusted` (not signed by an iPhone or iPad).",
        ),
        "409": error(
          "`enrollment_challenge_used`, `device_owned_by_another_user` (an admin moves it), `conflict` (registered at the same moment: retry).",
        ),
        "410": error("`enrollment_challenge_expired`."),
        "413": error("Over 64 KiB (`payload_too_large`)."),
      },
    },
  },
};

/** The document, with `publicUrl` (PUBLIC_URL, may carry a path prefix) as its server. */
export function openApiDocument(publicUrl: string) {
  // A copy per call: callers may change theirs without touching the shared definitions.
  return structuredClone({
    openapi: "3.1.0",
    info: {
      title: "Ferry API",
      version: "1",
      description:
        "Upload and read in-house iOS builds. Authenticate with an API token " +
        "(`npm run cli -- token create …`, scopes `upload` and/or `read`) as `Authorization: Bearer <token>`, " +
        "or with a signed-in browser session (writes must then come from Ferry's own origin). " +
        'Errors are `{ "error": { "code", "message" } }`.',
    },
    servers: [{ url: publicUrl }],
    security: [{ bearerToken: [] }, { session: [] }],
    tags: [
      "builds",
      "apps",
      "channels",
      "webhooks",
      "signing",
      "updates",
      "notifications",
      "profiles",
      "devices",
      "meta",
    ].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerToken: {
          type: "http",
          scheme: "bearer",
          description: `An API token; scopes: ${TOKEN_SCOPES.join(", ")}.`,
        },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "next-auth.session-token",
          description: "Browser session (`__Secure-next-auth.session-token` over https).",
        },
        updateKey: {
          type: "http",
          scheme: "bearer",
          description: "An app's update key (`ferryu_…`), also accepted as the `X-Ferry-Update-Key` header.",
        },
      },
    },
  });
}
