import { z } from "zod";
import {
  grantApp,
  revokeApp,
  setAppRetention,
  setAppVisibility,
  setDefaultChannel,
  updateAppDetails,
} from "@/lib/apps/mutations";
import { appVisibilitySchema } from "@/lib/apps/schema";
import { setChannelAccess } from "@/lib/channels/mutations";
import { applyRetention, previewRetentionFor } from "@/lib/retention/retention";
import { idField } from "@/lib/server-actions/action-state";
import { formAction } from "@/lib/server-actions/form-action";
import type { PageForms } from "@/lib/server-actions/plain-post";
import { formatBytes } from "@/lib/ui/format";
import { rowId } from "@/lib/ui/row-id";

/**
 * The forms of the admin apps page (pages/admin/apps/index.tsx), and the grant
 * forms it shares with the groups page: plain posts
 * (lib/server-actions/plain-post.ts), each its fields, schema and domain call;
 * policy and audit are the mutations' own.
 */

const grantSchema = z.object({
  appId: z.string().min(1, "Choose an app.").pipe(idField("app")),
  groupId: z.string().min(1, "Choose a group.").pipe(idField("group")),
});

// The pages name the other side (a group's name, an app's bundle id or name) rather than list them all.
const optionalId = (what: string) => z.union([z.literal(""), idField(what)]);
const grantByNameSchema = z
  .object({
    appId: optionalId("app"),
    appName: z.string().trim().max(200),
    groupId: optionalId("group"),
    groupName: z.string().trim().max(200),
  })
  .refine((v) => v.appId || v.appName, { message: "Enter an app's bundle id or name." })
  .refine((v) => v.groupId || v.groupName, { message: "Enter a group's name." });

/** Granting an app to a group and taking it back: on an app's card (a group named) and a group's (an app named). */
export const GRANT_FORMS = {
  "grant-app": formAction(grantByNameSchema, ["appId", "appName", "groupId", "groupName"], async (input, actor) => {
    const { app, group, changed } = await grantApp(input, actor);
    if (!changed) return { ok: true, message: `${group.name} already has ${app.name}.` };
    return { ok: true, message: `Granted ${app.name} to ${group.name}.` };
  }),
  "revoke-app": formAction(grantSchema, ["appId", "groupId"], async (input, actor) => {
    const { app, group, changed } = await revokeApp(input, actor);
    if (!changed) return { ok: true, message: `${group.name} no longer has ${app.name}.` };
    return { ok: true, message: `Revoked ${app.name} from ${group.name}.` };
  }),
};

/** How many builds a retention preview names; the rest are counted. */
const PREVIEW_NAMED = 10;

const retentionSchema = z.object({
  appId: idField("app"),
  keep: z
    .string()
    .trim()
    .transform((v) => (v === "" ? null : Number(v))),
  intent: z.enum(["preview", "save"]),
});

const channelAccessSchema = z.object({
  appId: idField("app"),
  channel: z.string(),
  groupIds: z.array(z.string()),
  addGroupName: z.string().optional(),
});

export const APP_FORMS = {
  key: "appId",
  anchor: (id) => rowId("app", id),
  forms: {
    ...GRANT_FORMS,
    "change-visibility": formAction(appVisibilitySchema, ["appId", "visibility"], async (input, actor) => {
      const { app, changed } = await setAppVisibility(input, actor);
      if (!changed) return { ok: true, message: "No change." };
      return {
        ok: true,
        message:
          input.visibility === "everyone"
            ? `${app.name} is now visible to everyone signed in.`
            : `${app.name} is now visible only to its groups (and admins).`,
      };
    }),
    "app-details": formAction(
      z.object({ appId: idField("app"), name: z.string(), description: z.string() }),
      ["appId", "name", "description"],
      async (input, actor) => {
        const { changed } = await updateAppDetails(input, actor);
        return { ok: true, message: changed ? "Saved." : "No change." };
      },
    ),
    // channelId empty: automatic.
    "default-channel": formAction(
      z.object({
        appId: z.string(),
        channelId: z
          .string()
          .trim()
          .transform((v) => (v === "" ? null : v)),
      }),
      ["appId", "channelId"],
      async (input, actor) => {
        const { channel, changed } = await setDefaultChannel(input, actor);
        if (!changed) return { ok: true, message: "No change." };
        return {
          ok: true,
          message: channel
            ? `Saved: ${channel}'s newest build leads.`
            : "Saved: production, else default, else the newest build leads.",
        };
      },
    ),
    // keep empty: every build. intent "preview" only lists what would go; "save" stores and applies it now.
    retention: formAction(retentionSchema, ["appId", "keep", "intent"], async (input, actor) => {
      if (input.intent === "preview") {
        if (input.keep === null) return { ok: true, message: "Keeping every build: nothing would be deleted." };
        const doomed = await previewRetentionFor({ appId: input.appId, keep: input.keep }, actor);
        if (doomed.length === 0) return { ok: true, message: `Keeping ${input.keep} per channel deletes nothing.` };
        const bytes = doomed.reduce((sum, b) => sum + b.sizeBytes, 0);
        const named = doomed.slice(0, PREVIEW_NAMED).map((b) => `${b.version} (${b.buildNumber})`);
        const more = doomed.length > PREVIEW_NAMED ? ` and ${doomed.length - PREVIEW_NAMED} more` : "";
        return {
          ok: true,
          tone: "warning",
          message: `Saving this would delete ${doomed.length} build(s), ${formatBytes(bytes)}, and their install links: ${named.join(", ")}${more}. Nothing is deleted until you save.`,
        };
      }
      const { app } = await setAppRetention({ appId: input.appId, keepPerChannel: input.keep }, actor);
      const removed = input.keep === null ? 0 : await applyRetention({ appId: app.id, by: actor });
      if (removed === null) return { ok: true, message: "Saved; another instance is applying retention right now." };
      return { ok: true, message: `Saved; ${removed} build(s) deleted.` };
    }),
    // groupId: the kept groups' checkboxes; addGroupName: one more by name (the page lists no other group).
    "channel-access": formAction(
      channelAccessSchema,
      (data) => ({
        appId: data.get("appId") ?? "",
        channel: data.get("channel") ?? "",
        groupIds: data.getAll("groupId").filter((v): v is string => typeof v === "string"),
        addGroupName: typeof data.get("addGroupName") === "string" ? data.get("addGroupName") : undefined,
      }),
      async (input, actor) => {
        const result = await setChannelAccess(input, actor);
        return {
          ok: true,
          message: result.restricted
            ? `${result.channel} is restricted to ${result.groups.map((g) => g.name).join(", ")}.`
            : `${result.channel} now follows the app's access.`,
        };
      },
    ),
  },
} satisfies PageForms;

export type AppFormName = keyof typeof APP_FORMS.forms;
