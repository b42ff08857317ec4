import { GrantForm, RevokeGrantForm } from "@/components/admin/grant-forms";
import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { inputClass, SectionHeading } from "@/components/ui/ui";
import { addMemberAction, deleteGroupAction, removeMemberAction } from "@/lib/groups/actions";
import { type GroupDto, MEMBERS_SHOWN } from "@/lib/groups/data";
import { CARD } from "@/lib/ui/styles";

/** One group: its first MEMBERS_SHOWN members and how many in all, its apps, and inputs to add either by name. */
export function GroupCard({ group, appCount }: { group: GroupDto; appCount: number }) {
  const groupId = <input type="hidden" name="groupId" value={group.id} />;
  return (
    <section data-testid="group-card" data-group={group.name} aria-label={`Group ${group.name}`} className={CARD}>
      <header className="flex items-start justify-between gap-4 border-b border-slate-100 px-4 py-3 dark:border-slate-800">
        <div>
          <h2 className="font-semibold">{group.name}</h2>
          {group.description ? <p className="text-sm text-slate-500 dark:text-slate-400">{group.description}</p> : null}
        </div>
        <ActionForm
          action={deleteGroupAction}
          confirm={`Delete the group ${group.name}? Its members lose access to the apps granted to it.`}
          className="flex flex-col items-end gap-1"
        >
          {groupId}
          <SubmitButton small variant="danger">
            Delete group
          </SubmitButton>
        </ActionForm>
      </header>
      <div className="grid grid-cols-1 divide-y divide-slate-100 md:grid-cols-2 md:divide-x md:divide-y-0 dark:divide-slate-800">
        <div className="p-4" data-testid="group-members">
          <SectionHeading>Members ({group.memberCount})</SectionHeading>
          {group.members.length === 0 ? (
            <p className="mb-3 text-sm text-slate-500 dark:text-slate-400">No members yet.</p>
          ) : (
            <ul className="mb-3 divide-y divide-slate-100 text-sm dark:divide-slate-800">
              {group.members.map((member) => (
                <li key={member.id} data-testid="group-member" className="py-1.5">
                  <ActionForm action={removeMemberAction} className="flex flex-wrap items-center justify-between gap-2">
                    {groupId}
                    <input type="hidden" name="userId" value={member.id} />
                    <span className="truncate">{member.email}</span>
                    <SubmitButton small variant="secondary">
                      Remove
                    </SubmitButton>
                  </ActionForm>
                </li>
              ))}
            </ul>
          )}
          {group.memberCount > group.members.length ? (
            <p className="mb-3 text-sm text-slate-500 dark:text-slate-400" data-testid="group-members-more">
              The first {MEMBERS_SHOWN} by email, of {group.memberCount}. Add or remove anyone by email here or on their
              row in Users.
            </p>
          ) : null}
          <ActionForm action={addMemberAction} className="flex flex-wrap items-center gap-2">
            {groupId}
            <input
              type="email"
              name="email"
              required
              placeholder="user@example.com"
              autoComplete="off"
              aria-label={`Member email for ${group.name}`}
              className={`${inputClass} min-w-0 flex-1`}
            />
            <SubmitButton small>Add member</SubmitButton>
          </ActionForm>
        </div>
        <div className="p-4" data-testid="group-apps">
          <SectionHeading>Apps ({group.apps.length})</SectionHeading>
          {group.apps.length === 0 ? (
            <p className="mb-3 text-sm text-slate-500 dark:text-slate-400">No apps granted yet.</p>
          ) : (
            <ul className="mb-3 divide-y divide-slate-100 text-sm dark:divide-slate-800">
              {group.apps.map((app) => (
                <li key={app.id} data-testid="group-app" className="py-1.5">
                  <RevokeGrantForm
                    appId={app.id}
                    groupId={group.id}
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
