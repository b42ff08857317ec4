import { GrantForm, RevokeGrantForm } from "@/components/admin/grant-forms";
import { AddMemberForm, GroupMemberRow } from "@/components/admin/group-member-forms";
import { FormMessage } from "@/components/ui/form-message";
import { PostForm, type PostFormsProps, postedTo } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { SectionHeading } from "@/components/ui/ui";
import type { GroupDto } from "@/lib/groups/data";
import { rowId } from "@/lib/ui/row-id";
import { CARD } from "@/lib/ui/styles";

/**
 * One group: its first MEMBERS_SHOWN members and how many in all, its apps,
 * and inputs to add either by name. Its forms post to the groups page
 * (lib/groups/forms.ts), keyed by the group's id.
 */
export function GroupCard({ group, appCount, forms }: { group: GroupDto; appCount: number; forms: PostFormsProps }) {
  const groupId = <input type="hidden" name="groupId" value={group.id} />;
  return (
    <section
      id={rowId("group", group.id)}
      data-testid="group-card"
      data-group={group.name}
      aria-label={`Group ${group.name}`}
      className={CARD}
    >
      <header className="flex items-start justify-between gap-4 border-b border-slate-100 px-4 py-3 dark:border-slate-800">
        <div>
          <h2 className="font-semibold">{group.name}</h2>
          {group.description ? <p className="text-sm text-slate-500 dark:text-slate-400">{group.description}</p> : null}
        </div>
        <PostForm
          action="delete-group"
          rowKey={group.id}
          forms={forms}
          confirm={`Delete the group ${group.name}? Its members lose access to the apps granted to it.`}
          className="flex flex-col items-end gap-1"
        >
          {groupId}
          <SubmitButton small variant="danger">
            Delete group
          </SubmitButton>
        </PostForm>
      </header>
      <div className="grid grid-cols-1 divide-y divide-slate-100 md:grid-cols-2 md:divide-x md:divide-y-0 dark:divide-slate-800">
        <div className="p-4" data-testid="group-members">
          <SectionHeading>Members ({group.memberCount})</SectionHeading>
          <FormMessage state={postedTo(forms, "remove-member", group.id)?.state ?? null} />
          {group.members.length === 0 ? (
            <p className="mb-3 text-sm text-slate-500 dark:text-slate-400">No members yet.</p>
          ) : (
            <ul className="mb-3 divide-y divide-slate-100 text-sm dark:divide-slate-800">
              {group.members.map((member) => (
                <GroupMemberRow key={member.id} groupId={group.id} member={member} forms={forms} />
              ))}
            </ul>
          )}
          {group.memberCount > group.members.length ? (
            <p className="mb-3 text-sm text-slate-500 dark:text-slate-400" data-testid="group-members-more">
              The first {group.members.length} by email.{" "}
              <a href={`/admin/groups/${group.id}`} className="text-sky-700 hover:underline dark:text-sky-300">
                All {group.memberCount} members →
              </a>
            </p>
          ) : null}
          <AddMemberForm group={group} forms={forms} rowKey={group.id} />
        </div>
        <div className="p-4" data-testid="group-apps">
          <SectionHeading>Apps ({group.apps.length})</SectionHeading>
          <FormMessage state={postedTo(forms, "revoke-app", group.id)?.state ?? null} />
          {group.apps.length === 0 ? (
            <p className="mb-3 text-sm text-slate-500 dark:text-slate-400">No apps granted yet.</p>
          ) : (
            <ul className="mb-3 divide-y divide-slate-100 text-sm dark:divide-slate-800">
              {group.apps.map((app) => (
                <li key={app.id} data-testid="group-app" className="py-1.5">
                  <RevokeGrantForm
                    appId={app.id}
                    groupId={group.id}
                    forms={forms}
                    className="flex flex-wrap items-center justify-between gap-2"
                  >
                    <span className="min-w-0">
                      <span className="font-medium">{app.name}</span>{" "}
                      <span className="text-slate-500 dark:text-slate-400">{app.bundleId}</span>
                    </span>
                  </RevokeGrantForm>
                </li>
              ))}
            </ul>
          )}
          {appCount > group.apps.length ? (
            <GrantForm
              forms={forms}
              fixed={{ name: "groupId", value: group.id }}
              named={{
                name: "appName",
                label: `App to grant to ${group.name}`,
                placeholder: "Bundle id or app name",
                className: "min-w-0 flex-1",
              }}
            />
          ) : (
            <p className="text-sm text-slate-500 dark:text-slate-400">
              {appCount === 0 ? "No apps uploaded yet." : "Every app is granted to this group."}
            </p>
          )}
        </div>
      </div>
    </section>
  );
}
