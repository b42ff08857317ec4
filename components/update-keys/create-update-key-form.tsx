"use client";

import { ActionForm } from "@/components/ui/action-form";
import { CopyButton } from "@/components/ui/copy-button";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, inputClass } from "@/components/ui/ui";
import { createUpdateKeyAction } from "@/lib/update-check/actions";

export function CreateUpdateKeyForm({ appId }: { appId: string }) {
  return (
    <ActionForm
      action={createUpdateKeyAction}
      testId="create-update-key-form"
      label="Create an update key"
      className="space-y-3"
      result={(state) =>
        state?.ok && state.token ? (
          <div
            role="status"
            data-testid="new-update-key"
            className="space-y-2 rounded-lg border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-50"
          >
            <p className="font-medium">Copy the key now: it will not be shown again.</p>
            <div className="flex flex-wrap items-center gap-2">
              <input
                readOnly
                value={state.token}
                aria-label="New update key"
                data-testid="new-update-key-value"
                className="min-w-0 flex-1 rounded-md border border-emerald-300 bg-white px-2.5 py-1.5 font-mono text-xs text-slate-900 dark:border-emerald-800 dark:bg-slate-900 dark:text-slate-100"
              />
              <CopyButton text={state.token} />
            </div>
          </div>
        ) : null
      }
    >
      <input type="hidden" name="appId" value={appId} />
      <Field label="Name" htmlFor="new-update-key-name" hint="Which release embeds it, e.g. “iOS app 3.x”.">
        <input
          name="name"
          id="new-update-key-name"
          type="text"
          required
          maxLength={100}
          autoComplete="off"
          className={inputClass}
        />
      </Field>
      <SubmitButton>Create update key</SubmitButton>
    </ActionForm>
  );
}
