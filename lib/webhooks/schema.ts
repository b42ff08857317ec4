import { z } from "zod";

/** The events a webhook can subscribe to. */
export const WEBHOOK_EVENTS = ["build.created", "build.promoted", "build.resigned"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * json: Ferry's own payload; slack: `{ text }` in Slack's mrkdwn (also read by Mattermost and
 * Rocket.Chat); teams: a Microsoft Teams MessageCard with Markdown text.
 */
export const WEBHOOK_FORMATS = ["json", "slack", "teams"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/**
 * An http(s) URL without a user name or password. Which hosts it may reach is
 * the address policy's business (lib/webhooks/address-policy.ts, applied by the
 * mutations at save time and by every delivery): this schema also runs in the
 * browser, where that policy is not known.
 */
export const webhookUrlSchema = z
  .string({ message: "Enter the URL to POST to." })
  .trim()
  .max(2000, "The URL is too long (at most 2000 characters).")
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "The webhook URL must be an http:// or https:// URL.")
  .refine((value) => {
    try {
      const url = new URL(value);
      return !url.username && !url.password;
    } catch {
      return true; // reported by the rule above
    }
  }, "The webhook URL must not contain a user name or password (user:pass@).");

export const webhookSecretSchema = z
  .string()
  .min(16, "The secret must be at least 16 characters (or leave it empty to generate one).")
  .max(200, "The secret must be at most 200 characters.");

export const createWebhookSchema = z.object({
  appId: z.uuid({ message: "Unknown app." }),
  url: webhookUrlSchema,
  /** Omitted or empty: Ferry generates one and shows it once. */
  secret: z
    .string()
    .optional()
    .nullable()
    .transform((v) => (v?.trim() ? v.trim() : undefined))
    .pipe(webhookSecretSchema.optional()),
  events: z
    .array(z.enum(WEBHOOK_EVENTS, { message: `Events are ${WEBHOOK_EVENTS.join(", ")}.` }))
    .min(1, "Choose at least one event.")
    .default(["build.created"]),
  format: z.enum(WEBHOOK_FORMATS, { message: "The format is json, slack or teams." }).default("json"),
});
export type CreateWebhookInput = z.input<typeof createWebhookSchema>;

/** The body of `POST /api/v1/apps/{appId}/webhooks` (the app is the path's). */
export const createWebhookBodySchema = z.object(
  {
    url: createWebhookSchema.shape.url.describe(
      "No user:pass@. Loopback, link-local, metadata and unspecified addresses are refused; private ranges unless the server sets WEBHOOK_ALLOW_PRIVATE=true.",
    ),
    secret: createWebhookSchema.shape.secret.describe(
      "16 to 200 characters. Signs each delivery: `X-Ferry-Signature: sha256=<hex HMAC-SHA256>`. Generated when left out.",
    ),
    events: createWebhookSchema.shape.events,
    format: createWebhookSchema.shape.format.describe(
      "`slack`: `{ text }` in Slack's mrkdwn; `teams`: a Microsoft Teams MessageCard.",
    ),
  },
  { message: 'Send JSON { "url": "https://…", "secret": "…", "events": ["build.created"] }.' },
);

export const webhookRefSchema = z.object({
  appId: z.uuid({ message: "Unknown app." }),
  webhookId: z.uuid({ message: "Unknown webhook: reload the page." }),
});

/** A webhook as the API answers it (lib/webhooks/data.ts WebhookDto): never its secret. */
export const webhookResponseSchema = z.object({
  id: z.uuid(),
  appId: z.uuid(),
  url: z.url(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  format: z.enum(WEBHOOK_FORMATS),
  enabled: z.boolean(),
  secretHint: z.string().describe("The secret is never returned after creation; only a masked hint."),
  createdAt: z.iso.datetime({ offset: true }),
});
