"use client";

import { useState } from "react";
import { ActionForm } from "@/components/ui/action-form";
import { CopyButton } from "@/components/ui/copy-button";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, inputClass } from "@/components/ui/ui";
import { createTokenAction } from "@/lib/tokens/actions";

export function CreateTokenForm({ canUpload, canSign = false }: { canUpload: boolean; canSign?: boolean }) {
  return (
    <ActionForm
      action={createTokenAction}
      testId="create-token-form"
      label="Create a token"
      className="space-y-3"
      result={(state) => (state?.ok && state.token ? <NewToken key={state.token} token={state.token} /> : null)}
    >
      <div className="grid grid-cols-1 items-start gap-3 md:grid-cols-[2fr_1fr]">
        <Field label="Name" htmlFor="new-token-name" hint="What uses it, e.g. “CI: release pipeline”.">
          <input
            name="name"
            id="new-token-name"
            type="text"
            required
            maxLength={100}
            autoComplete="off"
            className={inputClass}
          />
        </Field>
        <Field
          label="Expires in (days, optional)"
          htmlFor="new-token-expiry"
          hint="Leave empty for a token that does not expire."
        >
          <input
            name="expiresInDays"
            id="new-token-expiry"
            type="number"
            min={1}
            max={3650}
            step={1}
            className={inputClass}
          />
        </Field>
      </div>
      <fieldset>
        <legend className="mb-1 text-sm font-medium text-slate-700 dark:text-slate-200">Scopes</legend>
        <div className="flex flex-wrap gap-x-6 gap-y-1 text-sm">
          <label className="flex items-center gap-2">
            <input type="checkbox" name="scopes" value="read" defaultChecked className="h-4 w-4" />
            <span>
              read <span className="text-slate-500 dark:text-slate-400">— list apps and builds, get install links</span>
            </span>
          </label>
          <label className={`flex items-center gap-2 ${canUpload ? "" : "text-slate-500 dark:text-slate-400"}`}>
            <input
              type="checkbox"
              name="scopes"
              value="upload"
              disabled={!canUpload}
              defaultChecked={canUpload}
              className="h-4 w-4"
            />
            <span>
              upload <span className="text-slate-500 dark:text-slate-400">— publish builds</span>
            </span>
          </label>
          {canSign ? (
            <label className="flex items-center gap-2">
              <input type="checkbox" name="scopes" value="sign" className="h-4 w-4" />
              <span>
                sign{" "}
                <span className="text-slate-500 dark:text-slate-400">
                  — re-sign builds, manage signing identities and profiles
                </span>
              </span>
            </label>
          ) : null}
        </div>
        {canUpload ? null : (
          <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">Members can create read-only tokens.</p>
        )}
      </fieldset>
      <SubmitButton>Create token</SubmitButton>
    </ActionForm>
  );
}

function NewToken({ token }: { token: string }) {
  const [dismissed, setDismissed] = useState(false);
  if (dismissed) return null;
  return (
    <div
      role="status"
      data-testid="new-token"
      className="space-y-2 rounded-lg border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950"
    >
      <p className="font-medium">Copy your new token now: it will not be shown again.</p>
      <div className="flex flex-wrap items-center gap-2">
        <input
          readOnly
          value={token}
          aria-label="New API token"
          data-testid="new-token-value"
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded-md border border-emerald-300 bg-white px-2.5 py-1.5 font-mono text-xs dark:border-emerald-800 dark:bg-slate-900"
        />
        <CopyButton text={token} />
        <button
          type="button"
          onClick={() => setDismissed(true)}
          className="rounded-md px-2.5 py-1.5 text-sm text-emerald-900 hover:bg-emerald-100 dark:text-emerald-100 dark:hover:bg-emerald-900"
        >
          Done
        </button>
      </div>
    </div>
  );
}
