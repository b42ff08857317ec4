"use client";

import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, inputClass } from "@/components/ui/ui";
import { createWebhookAction } from "@/lib/webhooks/actions";
import { WEBHOOK_EVENTS } from "@/lib/webhooks/schema";

/** Adds a webhook to an app; shows the signing secret once (it is never shown again). */
export function CreateWebhookForm({ appId }: { appId: string }) {
  return (
    <ActionForm
      action={createWebhookAction}
      label="Add a webhook"
      className="grid gap-3"
      result={(state) =>
        state?.ok && state.token ? (
          <code
            data-testid="webhook-secret"
            className="block break-all rounded bg-slate-100 p-2 text-xs dark:bg-slate-800"
          >
            {state.token}
          </code>
        ) : null
      }
    >
      <input type="hidden" name="appId" value={appId} />
      <Field
        label="URL"
        htmlFor="webhook-url"
        hint="http(s), no user:pass@. This server itself, link-local and metadata addresses are refused; private networks only if WEBHOOK_ALLOW_PRIVATE=true."
      >
        <input id="webhook-url" name="url" type="url" required className={inputClass} />
      </Field>
      <Field label="Secret" htmlFor="webhook-secret-input" hint="At least 16 characters; empty: one is generated.">
        <input id="webhook-secret-input" name="secret" type="password" autoComplete="off" className={inputClass} />
      </Field>
      <Field label="Format" htmlFor="webhook-format">
        <select id="webhook-format" name="format" defaultValue="json" className={inputClass}>
          <option value="json">JSON (Ferry's payload)</option>
          <option value="slack">Slack ({"{ text }"})</option>
          <option value="teams">Microsoft Teams (MessageCard)</option>
        </select>
      </Field>
      <fieldset className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
        <legend className="font-medium text-slate-700 dark:text-slate-200">Events</legend>
        {WEBHOOK_EVENTS.map((event) => (
          <label key={event} className="flex items-center gap-1">
            <input type="checkbox" name="events" value={event} defaultChecked={event === "build.created"} />
            {event}
          </label>
        ))}
      </fieldset>
      <SubmitButton>Add webhook</SubmitButton>
    </ActionForm>
  );
}
