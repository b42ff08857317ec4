import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, inputClass } from "@/components/ui/ui";
import { editNotesAction, promoteBuildAction, removeFromChannelAction } from "@/lib/builds/actions";
import { LINK, MUTED } from "@/lib/ui/styles";

const DANGER_LINK =
  "inline-flex items-center rounded-md border border-red-300 bg-white px-2.5 py-1 text-sm font-medium text-red-700 hover:bg-red-50 dark:border-red-800 dark:bg-slate-900 dark:text-red-300 dark:hover:bg-red-950";

/**
 * For those who may publish to the app (the page asks mayPublishToApp): its
 * channels (add to an existing one, create one only when confirmed, take it
 * out of one), the release notes, and a link to the delete page, which names
 * what goes. Plain forms: all of it works without JavaScript; the actions
 * check the rights again.
 */
export function BuildManagePanel({
  build,
  appChannels,
  audience,
}: {
  build: { id: string; appId: string; notes: string | null; channels: string[] };
  /** The app's channels the person sees, to pick from. */
  appChannels: string[];
  /** Who sees a new channel at once, in words (lib/channels/data.ts appAudienceOf). */
  audience: string;
}) {
  const addable = appChannels.filter((c) => !build.channels.includes(c));
  return (
    <section
      className="space-y-5 rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900"
      data-testid="build-manage"
    >
      <h2 className="font-semibold">Manage this build</h2>
      <div className="space-y-2">
        <h3 className="text-sm font-medium">Channels</h3>
        <ul className="flex flex-wrap gap-2" data-testid="build-channels">
          {build.channels.map((channel) => (
            <li
              key={channel}
              className="flex items-center gap-2 rounded-lg border border-slate-200 py-1 pl-3 pr-1 text-sm dark:border-slate-700"
            >
              <span className="font-medium">{channel}</span>
              {build.channels.length > 1 ? (
                <ActionForm action={removeFromChannelAction} label={`Remove from ${channel}`}>
                  <input type="hidden" name="buildId" value={build.id} />
                  <input type="hidden" name="channel" value={channel} />
                  <SubmitButton small variant="secondary" title={`Take this build out of ${channel}`}>
                    Remove<span className="sr-only"> from {channel}</span>
                  </SubmitButton>
                </ActionForm>
              ) : (
                <span className={`pr-2 text-xs ${MUTED}`}>its only channel</span>
              )}
            </li>
          ))}
        </ul>
        <p className={`text-xs ${MUTED}`}>
          Removing a build from a channel keeps the build.{" "}
          {/* Underlined: a link inside a sentence must not rely on colour alone (axe link-in-text-block). */}
          <a href={`/apps/${build.appId}/channels`} className={`${LINK} underline`}>
            Rename or delete channels
          </a>
        </p>
      </div>
      <ActionForm action={promoteBuildAction} label="Add to a channel" className="space-y-2" testId="promote-form">
        <input type="hidden" name="buildId" value={build.id} />
        <Field
          label="Add to channel"
          htmlFor="promote-channel"
          hint={addable.length > 0 ? `Existing channels: ${addable.join(", ")}` : "It is in every existing channel."}
        >
          <div className="flex flex-wrap items-center gap-2">
            <input
              id="promote-channel"
              name="channel"
              required
              list="promote-channel-options"
              autoComplete="off"
              placeholder={addable[0] ?? "channel name"}
              className={inputClass}
            />
            <datalist id="promote-channel-options">
              {addable.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
            <SubmitButton small>Add</SubmitButton>
          </div>
        </Field>
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="createChannel" className="mt-1" data-testid="create-channel" />
          <span>
            It is a new channel: create it. <span className={MUTED}>It will be visible at once to {audience}.</span>
          </span>
        </label>
      </ActionForm>
      <ActionForm action={editNotesAction} label="Release notes" resetOnSuccess={false} className="space-y-2">
        <input type="hidden" name="buildId" value={build.id} />
        <Field label="Release notes (Markdown)" htmlFor="edit-notes">
          <textarea
            id="edit-notes"
            name="notes"
            rows={5}
            defaultValue={build.notes ?? ""}
            className="w-full rounded-md border border-slate-300 bg-white p-2 font-mono text-sm dark:border-slate-600 dark:bg-slate-900"
          />
        </Field>
        <SubmitButton small variant="secondary">
          Save notes
        </SubmitButton>
      </ActionForm>
      <a href={`/apps/${build.appId}/builds/${build.id}/delete`} className={DANGER_LINK} data-testid="delete-build">
        Delete build…
      </a>
    </section>
  );
}
