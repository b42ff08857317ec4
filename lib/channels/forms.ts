import { z } from "zod";
import { deleteChannel, renameChannel } from "@/lib/channels/mutations";
import { idField } from "@/lib/server-actions/action-state";
import { formAction } from "@/lib/server-actions/form-action";
import type { PageForms } from "@/lib/server-actions/plain-post";
import { plural } from "@/lib/ui/format";
import { rowId } from "@/lib/ui/row-id";

/**
 * The forms of an app's channels page (pages/apps/[appId]/channels/index.tsx),
 * posted as plain posts (lib/server-actions/plain-post.ts); policy and audit
 * are the mutations' own. A form is keyed by its channel's name.
 */
export const CHANNEL_FORMS = {
  key: "channel",
  anchor: (name) => rowId("channel", name),
  forms: {
    "rename-channel": formAction(
      z.object({ appId: idField("app"), channel: z.string(), name: z.string() }),
      ["appId", "channel", "name"],
      async (input, actor) => {
        const result = await renameChannel(input, actor);
        if (!result.changed) return { ok: true, message: "No change." };
        return { ok: true, message: `Renamed ${result.from} to ${result.to}.` };
      },
    ),
    // moveTo: where the builds in no other channel go ("" when there are none).
    "delete-channel": formAction(
      z.object({ appId: idField("app"), channel: z.string(), moveTo: z.string() }),
      ["appId", "channel", "moveTo"],
      async (input, actor) => {
        const deleted = await deleteChannel({ ...input, moveTo: input.moveTo || null }, actor);
        const moved =
          deleted.buildsMoved > 0 && deleted.moveTo
            ? `; ${plural(deleted.buildsMoved, "build")} moved to ${deleted.moveTo}`
            : "";
        return { ok: true, message: `Deleted the channel ${deleted.channel}. Its builds were kept${moved}.` };
      },
    ),
  },
} satisfies PageForms;
