"use client";

// A client component so the page's RSC payload carries this card's props, not its rendered forms:
// with a form per member the payload had doubled the page (issue 21).
import Link from "next/link";
import { GrantForm, RevokeGrantForm } from "@/components/admin/grant-forms";
import { AddMemberForm, GroupMemberRow } from "@/components/admin/group-member-forms";
import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { SectionHeading } from "@/components/ui/ui";
import { deleteGroupAction } from "@/lib/groups/actions";
import type { GroupDto } from "@/lib/groups/data";
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
                <GroupMemberRow key={member.id} groupId={group.id} member={member} />
              ))}
            </ul>
          )}
          {group.memberCount > group.members.length ? (
            <p className="mb-3 text-sm text-slate-500 dark:text-slate-400" data-testid="group-members-more">
              The first {group.members.length} by email.{" "}
              <Link href={`/admin/groups/${group.id}`} className="text-sky-700 hover:underline dark:text-sky-300">
                All {group.memberCount} members →
              </Link>
            </p>
          ) : null}
          <AddMemberForm group={group} />
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
