import { type Actor, actorUserId } from "@/lib/access/actor";
import { visibleAppsWhere, visibleChannelsWhere } from "@/lib/access/app-access";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { AppError, parseInput } from "@/lib/errors";
import { type SetWatchInput, setWatchSchema } from "@/lib/notifications/schema";
import { readUnsubscribeToken } from "@/lib/notifications/unsubscribe-token";

/**
 * Watching and unwatching: a person's own preference, so only signed-in
 * people change their own watches (not audited: it changes nothing anyone
 * else sees). An app or channel they cannot see is "not found" either way.
 */

function watcherOf(by: Actor) {
  if (by.kind !== "user" || by.user.disabled) {
    throw new AppError("forbidden", "Only signed-in people watch apps (for themselves).");
  }
  return by.user;
}

/** Starts or stops watching an app or one of its channels; idempotent. */
export async function setWatch(
  input: SetWatchInput,
  by: Actor,
): Promise<{ watching: boolean; appId: string; channel: string | null }> {
  const user = watcherOf(by);
  const { appId, channel, watching } = parseInput(setWatchSchema, input);
  const notFound = () => new AppError("not_found", "No such app or channel, or you do not have access to it.");
  const app = await prisma().app.findFirst({ where: { AND: [{ id: appId }, visibleAppsWhere(user)] } });
  if (!app) throw notFound();
  let channelId: string | null = null;
  if (channel !== null) {
    const row = await prisma().channel.findFirst({
      where: { AND: [{ appId, name: channel }, visibleChannelsWhere(user)] },
      select: { id: true },
    });
    if (!row) throw notFound();
    channelId = row.id;
  }
  if (watching) {
    // The unique index treats a null channel as a value (NULLS NOT DISTINCT): one whole-app watch per person.
    await prisma().$executeRaw`
      INSERT INTO watches (user_id, app_id, channel_id) VALUES (${user.id}::uuid, ${appId}::uuid, ${channelId}::uuid)
      ON CONFLICT DO NOTHING`;
  } else {
    await prisma().watch.deleteMany({ where: { userId: user.id, appId, channelId } });
  }
  return { watching, appId, channel };
}

/** Removes one of the acting person's watches (their settings page). */
export async function removeWatch(input: { watchId: string }, by: Actor): Promise<void> {
  const userId = actorUserId(by);
  const gone = "This watch is not yours or was removed already: reload the page.";
  if (!userId || !isUuid(input.watchId)) throw new AppError("not_found", gone);
  const result = await prisma().watch.deleteMany({ where: { id: input.watchId, userId } });
  if (result.count !== 1) throw new AppError("not_found", gone);
}

/**
 * An email's unsubscribe link (no session): removes the one watch it names,
 * or all of its person's watches. A bad token is "not found"; a watch removed
 * already is fine (the link is clicked twice, or by a mail scanner first).
 */
export async function unsubscribeWithToken(token: string): Promise<{ removed: number; all: boolean }> {
  const target = readUnsubscribeToken(token);
  if (!target) throw new AppError("invalid_token", "This unsubscribe link is not valid: use the newest email's link.");
  const where = target.watchId === "all" ? { userId: target.userId } : { userId: target.userId, id: target.watchId };
  const result = await prisma().watch.deleteMany({ where });
  return { removed: result.count, all: target.watchId === "all" };
}
