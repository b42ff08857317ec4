import { AdminNavLinks } from "@/components/admin/admin-nav-links";
import { AddMemberForm, GroupMemberRow } from "@/components/admin/group-member-forms";
import { FormMessage } from "@/components/ui/form-message";
import { PageNav } from "@/components/ui/page-nav";
import { type PostFormsProps, postedTo } from "@/components/ui/post-form";
import { Card, EmptyState, inputClass, PageHeader } from "@/components/ui/ui";
import type { GroupMemberDto } from "@/lib/groups/data";

export type GroupMembersViewProps = {
  group: { id: string; name: string };
  members: GroupMemberDto[];
  total: number;
  /** The "email starts with" filter ("" for none). */
  email: string;
  cursor: string | null;
  nextCursor: string | null;
  forms: PostFormsProps;
};

/** Every member of one group, a page at a time (/admin/groups/<id>): the Groups card shows only the first few. */
export function GroupMembersView({ group, members, total, email, cursor, nextCursor, forms }: GroupMembersViewProps) {
  const path = `/admin/groups/${group.id}`;
  // The page's own refusals, and a removal's outcome (its row is gone).
  const top = forms.result?.action === "" ? forms.result : postedTo(forms, "remove-member");
  return (
    <div className="space-y-6">
      <AdminNavLinks pathname={path} />
      <PageHeader title={`Members of ${group.name}`}>
        {total.toLocaleString("en-US")} member{total === 1 ? "" : "s"}
        {email ? ` whose email starts with “${email}”` : ""}, by email.{" "}
        <a href="/admin/groups" className="underline">
          All groups
        </a>
      </PageHeader>
      {top ? <FormMessage state={top.state} /> : null}
      <Card title="Add a member" testId="group-add-member">
        <AddMemberForm group={group} forms={forms} />
      </Card>
      <form method="get" role="search" className="flex flex-wrap items-end gap-3" data-testid="group-member-search">
        <label className="flex flex-col gap-1 text-sm">
          <span className="font-medium text-slate-700 dark:text-slate-200">Email starts with</span>
          <input type="search" name="email" defaultValue={email} className={`${inputClass} w-72`} />
        </label>
        <button
          type="submit"
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800 dark:bg-sky-700 dark:hover:bg-sky-600"
        >
          Filter
        </button>
        {email ? (
          <a href={path} className="py-1.5 text-sm text-sky-700 hover:underline dark:text-sky-300">
            Clear
          </a>
        ) : null}
      </form>
      {members.length === 0 ? (
        <EmptyState>{email ? "No member's email starts with that." : "No members yet."}</EmptyState>
      ) : (
        <Card>
          <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800" data-testid="group-member-list">
            {members.map((member) => (
              <GroupMemberRow key={member.id} groupId={group.id} member={member} forms={forms} />
            ))}
          </ul>
        </Card>
      )}
      <PageNav
        path={path}
        label="Member pages"
        cursor={cursor ?? undefined}
        nextCursor={nextCursor}
        params={email ? { email } : {}}
      />
    </div>
  );
}
