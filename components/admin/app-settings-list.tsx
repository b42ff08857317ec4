"use client";

// A client component so the page's RSC payload carries these settings' props, not its rendered forms:
// with a form per row the payload had doubled the page (issue 21).
import { DefaultChannelForm } from "@/components/admin/default-channel-form";
import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, inputClass } from "@/components/ui/ui";
import { channelAccessAction, retentionAction, updateAppDetailsAction } from "@/lib/apps/settings-actions";
import type { ChannelAccessDto } from "@/lib/channels/data";
import { formatBytes } from "@/lib/ui/format";

/**
 * Admin: one app's settings, inside its card on the admin apps page: name and
 * description, retention (its preview is a warning), who sees each channel.
 * Renaming and deleting channels: the app's channels page.
 */
export function AppSettings({
  app,
  channels,
  storedBytes,
}: {
  app: {
    id: string;
    name: string;
    description: string | null;
    retainPerChannel: number | null;
    defaultChannelId: string | null;
  };
  channels: ChannelAccessDto[];
  storedBytes: number;
}) {
  return (
    <details
      className="border-t border-slate-100 px-4 py-3 dark:border-slate-800"
      data-testid="app-settings"
      data-app={app.name}
    >
      <summary className="cursor-pointer font-medium">
        Settings: details, default channel, retention, channel access{" "}
        <span className="text-sm font-normal text-slate-600 dark:text-slate-300" data-testid="storage-app">
          · {formatBytes(storedBytes)} stored
          {app.retainPerChannel ? ` · keeps ${app.retainPerChannel} per channel` : ""}
        </span>
      </summary>
      <div className="mt-4 space-y-5">
        <ActionForm action={updateAppDetailsAction} resetOnSuccess={false} label="App details" className="space-y-2">
          <input type="hidden" name="appId" value={app.id} />
          <Field label="Display name" htmlFor={`name-${app.id}`}>
            <input id={`name-${app.id}`} name="name" defaultValue={app.name} className={inputClass} required />
          </Field>
          <Field label="Description" htmlFor={`description-${app.id}`}>
            <textarea
              id={`description-${app.id}`}
              name="description"
              defaultValue={app.description ?? ""}
              rows={2}
              className={inputClass}
            />
          </Field>
          <SubmitButton small>Save details</SubmitButton>
        </ActionForm>
        <DefaultChannelForm appId={app.id} channels={channels} picked={app.defaultChannelId} />
        <ActionForm action={retentionAction} resetOnSuccess={false} label="Retention" className="space-y-2">
          <input type="hidden" name="appId" value={app.id} />
          <Field
            label="Keep the newest builds per channel"
            htmlFor={`keep-${app.id}`}
            hint="Empty keeps every build. A channel's newest build is never deleted. Preview first."
          >
            <input
              id={`keep-${app.id}`}
              name="keep"
              type="number"
              min={1}
              defaultValue={app.retainPerChannel ?? ""}
              className={inputClass}
            />
          </Field>
          <div className="flex gap-2">
            <SubmitButton small variant="secondary" name="intent" value="preview">
              Preview
            </SubmitButton>
            <SubmitButton small variant="danger" name="intent" value="save">
              Save and apply
            </SubmitButton>
          </div>
        </ActionForm>
        {channels.map((channel) => (
          <ActionForm
            key={channel.id}
            action={channelAccessAction}
            resetOnSuccess={false}
            label={`Access to channel ${channel.name}`}
            className="space-y-1"
          >
            <input type="hidden" name="appId" value={app.id} />
            <input type="hidden" name="channel" value={channel.name} />
            <p className="text-sm font-medium">
              Channel {channel.name}: {channel.restricted ? "only these groups" : "everyone who sees the app"}
            </p>
            {/* The channel's own groups (untick to remove) and one more by name: not a box per group, of hundreds. */}
            <div className="flex flex-wrap items-center gap-3 text-sm">
              {channel.groups.map((g) => (
                <label key={g.id} className="inline-flex items-center gap-1">
                  <input type="checkbox" name="groupId" value={g.id} defaultChecked />
                  {g.name}
                </label>
              ))}
              <input
                name="addGroupName"
                autoComplete="off"
                placeholder="Add a group by name"
                aria-label={`Add a group to channel ${channel.name}`}
                className={`${inputClass} min-w-48`}
              />
            </div>
            <SubmitButton small variant="secondary">
              Save channel access
            </SubmitButton>
          </ActionForm>
        ))}
      </div>
    </details>
  );
}
