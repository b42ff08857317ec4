import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { saveSignInSettingsAction } from "@/lib/settings/actions";

export function SignInSettingsForm({
  localLoginEnabled,
  ssoName,
  ssoIssuer,
  selfLinked,
}: {
  localLoginEnabled: boolean;
  ssoName: string | null;
  ssoIssuer: string | null;
  selfLinked: boolean;
}) {
  return (
    <ActionForm
      action={saveSignInSettingsAction}
      resetOnSuccess={false}
      className="space-y-3"
      testId="sign-in-settings-form"
    >
      <p className="text-sm text-slate-600 dark:text-slate-300">
        Single sign-on:{" "}
        {ssoIssuer ? (
          <>
            <strong>{ssoName}</strong> (<code className="rounded bg-slate-100 px-1 dark:bg-slate-800">{ssoIssuer}</code>
            )
          </>
        ) : (
          <strong>not configured</strong>
        )}
      </p>
      {/* A hidden "off" first: an unchecked checkbox sends nothing, a checked one overrides it. */}
      <input type="hidden" name="localLoginEnabled" value="off" />
      <label className="flex items-start gap-3">
        <input
          key={String(localLoginEnabled)}
          type="checkbox"
          name="localLoginEnabled"
          value="on"
          defaultChecked={localLoginEnabled}
          className="mt-1 h-4 w-4"
        />
        <span>
          <span className="font-medium">Email and password sign-in</span>
          <span className="block text-sm text-slate-600 dark:text-slate-300">
            Lets people sign in with the password an admin set for them. Switch it off to make single sign-on the only
            way in.
          </span>
        </span>
      </label>
      {ssoIssuer ? (
        selfLinked ? null : (
          <p
            role="note"
            className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
          >
            Your own account has not signed in with {ssoName} yet. Sign in with single sign-on once before switching
            passwords off, or you may lock yourself out.
          </p>
        )
      ) : (
        <p
          role="note"
          className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
        >
          Switching this off requires single sign-on: set <code>OIDC_ISSUER</code> and <code>OIDC_CLIENT_ID</code> (and{" "}
          <code>OIDC_CLIENT_SECRET</code> for a confidential client) and restart Ferry. Until then it stays on.
        </p>
      )}
      <SubmitButton>Save</SubmitButton>
    </ActionForm>
  );
}
