import type { ReactNode } from "react";
import { GrantForm, RevokeGrantForm } from "@/components/admin/grant-forms";
import { FormMessage } from "@/components/ui/form-message";
import { PostForm, type PostFormsProps, postedTo } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Badge, inputClass, SectionHeading } from "@/components/ui/ui";
import type { AppAccessDto } from "@/lib/apps/data";
import { plural } from "@/lib/ui/format";
import { rowId } from "@/lib/ui/row-id";
import { CARD } from "@/lib/ui/styles";

/**
 * One app on the admin apps page: who sees it, and (children) its settings, so
 * they sit with the app. Its forms post to the page (lib/apps/forms.ts), keyed
 * by the app's id.
 */
export function AppAccessCard({
  app,
  groupCount,
  forms,
  children,
}: {
  app: AppAccessDto;
  /** How many groups exist: none means "create one first" instead of the grant input. */
  groupCount: number;
  forms: PostFormsProps;
  children?: ReactNode;
}) {
  const appId = <input type="hidden" name="appId" value={app.id} />;
  return (
    <section
      id={rowId("app", app.id)}
      data-testid="app-access"
      data-app={app.name}
      data-bundle-id={app.bundleId}
      aria-label={`Access to ${app.name}`}
      className={CARD}
    >
      <header className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-100 px-4 py-3 dark:border-slate-800">
        <div className="min-w-0">
          <h2 className="font-semibold">
            <a href={`/apps/${app.id}`} className="hover:underline">
              {app.name}
            </a>{" "}
            {app.visibility === "everyone" ? (
              <Badge color="green">Everyone signed in</Badge>
            ) : (
              <Badge color="amber">Restricted</Badge>
            )}
          </h2>
          <p className="text-sm text-slate-500 dark:text-slate-400">
            {app.bundleId} · {plural(app.buildCount, "build")} ·{" "}
            <a href={`/admin/apps/${app.id}/webhooks`} className="hover:underline">
              Webhooks
            </a>{" "}
            ·{" "}
            <a href={`/apps/${app.id}/channels`} className="hover:underline">
              Rename or delete channels
            </a>
          </p>
        </div>
        <PostForm
          action="change-visibility"
          rowKey={app.id}
          forms={forms}
          className="flex flex-wrap items-center gap-2"
        >
          {appId}
          <label className="flex items-center gap-2 text-sm">
            <span className="text-slate-600 dark:text-slate-300">Visible to</span>
            <select key={app.visibility} name="visibility" defaultValue={app.visibility} className={inputClass}>
              <option value="restricted">Admins and granted groups</option>
              <option value="everyone">Everyone signed in</option>
            </select>
          </label>
          <SubmitButton small variant="secondary">
            Save
          </SubmitButton>
        </PostForm>
      </header>
      <div className="px-4 py-3">
        <SectionHeading>Granted groups</SectionHeading>
        <FormMessage state={postedTo(forms, "revoke-app", app.id)?.state ?? null} />
        {app.groups.length === 0 ? (
          <p className="mb-3 text-sm text-slate-500 dark:text-slate-400">
            {app.visibility === "everyone"
              ? "None needed: everyone signed in can see this app."
              : "None: only admins can see this app."}
          </p>
        ) : (
          <ul className="mb-3 flex flex-wrap gap-2">
            {app.groups.map((group) => (
              <li key={group.id} data-testid="app-group">
                <RevokeGrantForm
                  appId={app.id}
                  groupId={group.id}
                  forms={forms}
                  className="flex items-center gap-2 rounded-lg border border-slate-200 py-1 pl-3 pr-1 text-sm dark:border-slate-700"
                >
                  <span className="font-medium">{group.name}</span>
                </RevokeGrantForm>
              </li>
            ))}
          </ul>
        )}
        {groupCount > app.groups.length ? (
          <GrantForm
            forms={forms}
            fixed={{ name: "appId", value: app.id }}
            named={{
              name: "groupName",
              label: `Group to grant ${app.name} to`,
              placeholder: "Group name",
              className: "min-w-60",
            }}
          />
        ) : (
          <p className="text-sm text-slate-500 dark:text-slate-400">
            {groupCount === 0 ? (
              <>
                No groups yet:{" "}
                <a href="/admin/groups" className="text-sky-700 hover:underline dark:text-sky-300">
                  create one
                </a>
                .
              </>
            ) : (
              "Every group has this app."
            )}
          </p>
        )}
      </div>
      {children}
    </section>
  );
}
