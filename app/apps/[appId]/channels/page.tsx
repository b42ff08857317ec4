import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Badge, EmptyState, inputClass, PageHeader } from "@/components/ui/ui";
import { findAppById, mayPublishToApp } from "@/lib/apps/data";
import { requireUserPage } from "@/lib/auth/require-user";
import { deleteChannelAction, renameChannelAction } from "@/lib/channels/actions";
import { buildsOnlyInChannel, listChannelsFor, parseChannelName } from "@/lib/channels/data";
import { plural } from "@/lib/ui/format";
import { CARD, LINK, MUTED } from "@/lib/ui/styles";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Channels" };

type Props = {
  params: Promise<{ appId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/**
 * An app's channels for those who may publish to it (admins and its
 * uploaders; everyone else: 404): rename, delete (builds are kept; those in no
 * other channel move where the person says). Who may see a channel: Admin › Apps.
 */
export default async function AppChannelsPage({ params, searchParams }: Props) {
  const { appId } = await params;
  const user = await requireUserPage(`/apps/${appId}/channels`);
  const app = await findAppById(appId);
  if (!app || !(await mayPublishToApp(user, app.id, "channel.rename"))) notFound();
  const [channels, onlyHere] = await Promise.all([listChannelsFor(user, app.id), buildsOnlyInChannel(app.id)]);
  const query = await searchParams;
  // A channel name (URL-safe by construction) and two counts: nothing here can carry markup.
  const deleted = typeof query.deleted === "string" ? parseChannelName(query.deleted) : null;
  const movedTo = typeof query.to === "string" ? parseChannelName(query.to) : null;
  const moved = Number(query.moved ?? 0) || 0;
  return (
    <div className="space-y-6">
      <PageHeader title={`Channels of ${app.name}`}>
        Renaming keeps a channel&apos;s builds, groups and watchers; links to its old name stop working. Deleting never
        deletes builds.{" "}
        <a href={`/apps/${app.id}`} className="underline">
          Back to {app.name}
        </a>
      </PageHeader>
      {deleted ? (
        <p
          role="status"
          data-testid="channel-deleted"
          className="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100"
        >
          Deleted the channel {deleted}. Its builds were kept
          {moved > 0 && movedTo ? `; ${plural(moved, "build")} moved to ${movedTo}` : ""}.
        </p>
      ) : null}
      {channels.length === 0 ? (
        <EmptyState>No channels yet.</EmptyState>
      ) : (
        <ul className="space-y-4" data-testid="channel-admin-list">
          {channels.map((channel) => {
            const orphans = onlyHere.get(channel.id) ?? 0;
            const others = channels.filter((c) => c.id !== channel.id);
            return (
              <li
                key={channel.id}
                className={`${CARD} space-y-4 p-4`}
                data-testid="channel-admin"
                data-channel={channel.name}
              >
                <div className="flex flex-wrap items-center gap-2">
                  <h2 className="font-semibold">
                    <a href={`/apps/${app.id}/channels/${channel.name}`} className={LINK}>
                      {channel.name}
                    </a>
                  </h2>
                  {channel.isDefault ? <Badge color="green">Default</Badge> : null}
                  {channel.restricted ? <Badge color="amber">Restricted</Badge> : null}
                  <span className={`text-sm ${MUTED}`}>
                    {plural(channel.buildCount, "build")}
                    {channel.latest ? ` · newest ${channel.latest.version} (${channel.latest.buildNumber})` : ""}
                  </span>
                </div>
                <ActionForm
                  action={renameChannelAction}
                  resetOnSuccess={false}
                  label={`Rename ${channel.name}`}
                  className="flex flex-wrap items-end gap-2"
                >
                  <input type="hidden" name="appId" value={app.id} />
                  <input type="hidden" name="channel" value={channel.name} />
                  <label className="flex flex-col gap-1 text-sm">
                    <span className="font-medium">New name</span>
                    <input name="name" required defaultValue={channel.name} className={inputClass} />
                  </label>
                  <SubmitButton small variant="secondary">
                    Rename
                  </SubmitButton>
                </ActionForm>
                {channel.isDefault ? (
                  <p className={`text-sm ${MUTED}`}>
                    The default channel cannot be deleted: uploads without a channel land here.
                  </p>
                ) : (
                  <ActionForm
                    action={deleteChannelAction}
                    label={`Delete ${channel.name}`}
                    className="space-y-2 border-t border-slate-100 pt-3 dark:border-slate-800"
                  >
                    <input type="hidden" name="appId" value={app.id} />
                    <input type="hidden" name="channel" value={channel.name} />
                    {orphans > 0 ? (
                      <label className="flex flex-col gap-1 text-sm">
                        <span className="font-medium">
                          {orphans === 1 ? "1 build is" : `${orphans} builds are`} only in {channel.name}: move{" "}
                          {orphans === 1 ? "it" : "them"} to
                        </span>
                        <select name="moveTo" required defaultValue="" className={inputClass}>
                          <option value="" disabled>
                            Choose a channel…
                          </option>
                          {others.map((c) => (
                            <option key={c.id} value={c.name}>
                              {c.name}
                            </option>
                          ))}
                        </select>
                      </label>
                    ) : (
                      <input type="hidden" name="moveTo" value="" />
                    )}
                    <label className="flex items-start gap-2 text-sm">
                      <input type="checkbox" name="confirm" required className="mt-1" />
                      <span>
                        Delete the channel {channel.name}
                        {channel.restricted ? " and its group access" : ""}. Its page and channel install links stop
                        working; no build is deleted.
                      </span>
                    </label>
                    <SubmitButton small variant="danger">
                      Delete channel {channel.name}
                    </SubmitButton>
                  </ActionForm>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
