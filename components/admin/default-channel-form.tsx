import { PostForm, type PostFormsProps } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, inputClass } from "@/components/ui/ui";

/**
 * Admin: the channel whose newest build leads the app's install page and the
 * app list. "Automatic" is production, else default, else the newest build
 * (lib/channels/default-channel.ts).
 */
export function DefaultChannelForm({
  appId,
  channels,
  picked,
  forms,
}: {
  appId: string;
  channels: { id: string; name: string }[];
  picked: string | null;
  forms: PostFormsProps;
}) {
  return (
    <PostForm action="default-channel" rowKey={appId} forms={forms} label="Default channel" className="space-y-2">
      <input type="hidden" name="appId" value={appId} />
      <Field
        label="Default channel"
        htmlFor={`default-channel-${appId}`}
        hint="Its newest build leads the install page and the app list; other channels' builds are labelled and shown second."
      >
        <select
          id={`default-channel-${appId}`}
          name="channelId"
          defaultValue={picked ?? ""}
          className={inputClass}
          data-testid="default-channel-select"
        >
          <option value="">Automatic: production, else default, else the newest build</option>
          {channels.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </Field>
      <SubmitButton small variant="secondary">
        Save default channel
      </SubmitButton>
    </PostForm>
  );
}
