import { FormMessage } from "@/components/ui/form-message";
import { PostForm, type PostFormsProps, postedTo } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Badge, EmptyState, inputClass, PageHeader } from "@/components/ui/ui";
import type { ChannelDto } from "@/lib/channels/data";
import { plural } from "@/lib/ui/format";
import { rowId } from "@/lib/ui/row-id";
import { CARD, LINK, MUTED } from "@/lib/ui/styles";

export type ChannelsAdminViewProps = {
  app: { id: string; name: string };
  /** Each channel, with how many of its builds are in no other channel (they move when it is deleted). */
  channels: (ChannelDto & { onlyHere: number })[];
  forms: PostFormsProps;
};

/**
 * An app's channels for those who may publish to it (/apps/<id>/channels):
 * rename, delete (builds are kept; those in no other channel move where the
 * person says), as plain posts (lib/channels/forms.ts). Who may see a
 * channel: Admin › Apps.
 */
export function ChannelsAdminView({ app, channels, forms }: ChannelsAdminViewProps) {
  const result = forms.result;
  // A rename or delete that worked: its card has another name now, or is gone.
  const top = result && (result.action === "" || result.state.ok) ? result : null;
  return (
    <div className="space-y-6">
      <PageHeader title={`Channels of ${app.name}`}>
        Renaming keeps a channel&apos;s builds, groups and watchers; links to its old name stop working. Deleting never
        deletes builds.{" "}
        <a href={`/apps/${app.id}`} className="underline">
          Back to {app.name}
        </a>
      </PageHeader>
      {top ? <FormMessage state={top.state} /> : null}
      {channels.length === 0 ? (
        <EmptyState>No channels yet.</EmptyState>
      ) : (
        <ul className="space-y-4" data-testid="channel-admin-list">
          {channels.map((channel) => {
            const others = channels.filter((c) => c.id !== channel.id);
            const refused = (action: string) => {
              const posted = postedTo(forms, action, channel.name);
              return posted && !posted.state.ok ? posted : null;
            };
            const typed = refused("rename-channel")?.values ?? {};
            // Which channel a form is about: both of the card's forms carry it.
            const which = (
              <>
                <input type="hidden" name="appId" value={app.id} />
                <input type="hidden" name="channel" value={channel.name} />
              </>
            );
            return (
              <li
                key={channel.id}
                id={rowId("channel", channel.name)}
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
                <PostForm
                  action="rename-channel"
                  forms={forms}
                  quiet
                  label={`Rename ${channel.name}`}
                  className="flex flex-wrap items-end gap-2"
                >
                  {which}
                  <label className="flex flex-col gap-1 text-sm">
                    <span className="font-medium">New name</span>
                    <input name="name" required defaultValue={typed.name ?? channel.name} className={inputClass} />
                  </label>
                  <SubmitButton small variant="secondary">
                    Rename
                  </SubmitButton>
                  <FormMessage state={refused("rename-channel")?.state ?? null} />
                </PostForm>
                {channel.isDefault ? (
                  <p className={`text-sm ${MUTED}`}>
                    The default channel cannot be deleted: uploads without a channel land here.
                  </p>
                ) : (
                  <PostForm
                    action="delete-channel"
                    forms={forms}
                    quiet
                    label={`Delete ${channel.name}`}
                    className="space-y-2 border-t border-slate-100 pt-3 dark:border-slate-800"
                  >
                    {which}
                    {channel.onlyHere > 0 ? (
                      <label className="flex flex-col gap-1 text-sm">
                        <span className="font-medium">
                          {channel.onlyHere === 1 ? "1 build is" : `${channel.onlyHere} builds are`} only in{" "}
                          {channel.name}: move {channel.onlyHere === 1 ? "it" : "them"} to
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
                    <FormMessage state={refused("delete-channel")?.state ?? null} />
                  </PostForm>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
