import { DefaultChannelForm } from "@/components/admin/default-channel-form";
import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, inputClass, SectionHeading } from "@/components/ui/ui";
import { listAppSettings, storageUsage } from "@/lib/apps/data";
import { channelAccessAction, retentionAction, updateAppDetailsAction } from "@/lib/apps/settings-actions";
import { listChannelsFor } from "@/lib/channels/data";
import { formatBytes } from "@/lib/ui/format";
import type { UserDto } from "@/lib/users/data";

/** Admin: per app, storage used, name and description, retention and who sees each channel. */
export async function AppSettingsList({ admin, groups }: { admin: UserDto; groups: { id: string; name: string }[] }) {
  const [apps, usage] = await Promise.all([listAppSettings(), storageUsage()]);
  const channelsOf = await Promise.all(apps.map((app) => listChannelsFor(admin, app.id)));
  return (
    <section className="space-y-4" data-testid="app-settings">
      <SectionHeading>Apps, channels and storage</SectionHeading>
      <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="storage-total">
        Storage used by all builds: <strong>{formatBytes(usage.totalBytes)}</strong>
      </p>
      {apps.map((app, index) => {
        const channels = channelsOf[index] ?? [];
        return (
          <details
            key={app.id}
            className="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900"
            data-app={app.name}
          >
            <summary className="cursor-pointer font-medium">
              {app.name}{" "}
              <span className="text-sm text-slate-500 dark:text-slate-400" data-testid="storage-app">
                · {formatBytes(usage.perApp.get(app.id) ?? 0)}
                {app.retainPerChannel ? ` · keeps ${app.retainPerChannel} per channel` : ""}
              </span>
            </summary>
            <div className="mt-4 space-y-5">
              <ActionForm
                action={updateAppDetailsAction}
                resetOnSuccess={false}
                label="App details"
                className="space-y-2"
              >
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
                  <div className="flex flex-wrap gap-3 text-sm">
                    {groups.map((g) => (
                      <label key={g.id} className="inline-flex items-center gap-1">
                        <input
                          type="checkbox"
                          name="groupId"
                          value={g.id}
                          defaultChecked={channel.groups.some((cg) => cg.id === g.id)}
                        />
                        {g.name}
                      </label>
                    ))}
                  </div>
                  <SubmitButton small variant="secondary">
                    Save channel access
                  </SubmitButton>
                </ActionForm>
              ))}
            </div>
          </details>
        );
      })}
    </section>
  );
}
