import { DefaultChannelForm } from "@/components/admin/default-channel-form";
import { FormMessage } from "@/components/ui/form-message";
import { PostForm, type PostFormsProps, postedTo } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, inputClass } from "@/components/ui/ui";
import type { AppFormName } from "@/lib/apps/forms";
import type { ChannelAccessDto } from "@/lib/channels/data";
import { formatBytes } from "@/lib/ui/format";

/** The settings' forms: after one of them posts, the settings stay open to show its outcome. */
const SETTINGS_FORMS: AppFormName[] = ["app-details", "default-channel", "retention", "channel-access"];

/**
 * Admin: one app's settings, inside its card on the admin apps page: name and
 * description, retention (its preview is a warning), who sees each channel.
 * Renaming and deleting channels: the app's channels page. Its forms post to
 * the page (lib/apps/forms.ts), keyed by the app's id; after a refused post,
 * what was typed comes back.
 */
export function AppSettings({
  app,
  channels,
  storedBytes,
  forms,
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
  forms: PostFormsProps;
}) {
  const form = (action: AppFormName) => ({ action, rowKey: app.id, forms });
  const posted = SETTINGS_FORMS.map((name) => postedTo(forms, name, app.id)).find(Boolean);
  const typed = posted && !posted.state.ok ? posted.values : {};
  return (
    <details
      open={posted ? true : undefined}
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
        <PostForm {...form("app-details")} label="App details" className="space-y-2">
          <input type="hidden" name="appId" value={app.id} />
          <Field label="Display name" htmlFor={`name-${app.id}`}>
            <input
              id={`name-${app.id}`}
              name="name"
              defaultValue={typed.name ?? app.name}
              className={inputClass}
              required
            />
          </Field>
          <Field label="Description" htmlFor={`description-${app.id}`}>
            <textarea
              id={`description-${app.id}`}
              name="description"
              defaultValue={typed.description ?? app.description ?? ""}
              rows={2}
              className={inputClass}
            />
          </Field>
          <SubmitButton small>Save details</SubmitButton>
        </PostForm>
        <DefaultChannelForm appId={app.id} channels={channels} picked={app.defaultChannelId} forms={forms} />
        <PostForm {...form("retention")} label="Retention" className="space-y-2">
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
              defaultValue={typed.keep ?? app.retainPerChannel ?? ""}
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
        </PostForm>
        {/* A channel's outcome is shown once, above them all: the forms are told apart by the app only. */}
        <FormMessage state={postedTo(forms, "channel-access", app.id)?.state ?? null} />
        {channels.map((channel) => (
          <PostForm
            key={channel.id}
            action="channel-access"
            forms={forms}
            quiet
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
          </PostForm>
        ))}
      </div>
    </details>
  );
}
