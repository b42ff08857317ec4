import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AddMemberForm, GroupMemberRow } from "@/components/admin/group-member-forms";
import { PageNav } from "@/components/ui/page-nav";
import { Card, EmptyState, inputClass, PageHeader } from "@/components/ui/ui";
import { requireAdminPage } from "@/lib/auth/require-user";
import { listGroupMembersPage } from "@/lib/groups/data";
import { pageQueryFromSearch } from "@/lib/http/pagination";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Group members" };

const PAGE_SIZE = 25;

type Props = {
  params: Promise<{ groupId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/** Every member of one group, a page at a time: the Groups card shows only the first few (issue 21). */
export default async function AdminGroupMembersPage({ params, searchParams }: Props) {
  const { groupId } = await params;
  const admin = await requireAdminPage(`/admin/groups/${groupId}`);
  const search = await searchParams;
  const query = pageQueryFromSearch(search, PAGE_SIZE);
  const rawEmail = Array.isArray(search.email) ? search.email[0] : search.email;
  const email = (rawEmail ?? "").trim().slice(0, 320);
  const page = await listGroupMembersPage(admin, groupId, query, email);
  if (!page) notFound();
  const { group, items: members, total } = page;
  const path = `/admin/groups/${group.id}`;
  return (
    <div className="space-y-6">
      <PageHeader title={`Members of ${group.name}`}>
        {total.toLocaleString("en-US")} member{total === 1 ? "" : "s"}
        {email ? ` whose email starts with “${email}”` : ""}, by email.{" "}
        <Link href="/admin/groups" className="underline">
          All groups
        </Link>
      </PageHeader>
      <Card title="Add a member" testId="group-add-member">
        <AddMemberForm group={group} />
      </Card>
      <form method="get" role="search" className="flex flex-wrap items-end gap-3" data-testid="group-member-search">
        <label className="flex flex-col gap-1 text-sm">
          <span className="font-medium text-slate-700 dark:text-slate-200">Email starts with</span>
          <input type="search" name="email" defaultValue={email} className={`${inputClass} w-72`} />
        </label>
        <button
          type="submit"
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800"
        >
          Filter
        </button>
        {email ? (
          <Link href={path} className="py-1.5 text-sm text-sky-700 hover:underline dark:text-sky-300">
            Clear
          </Link>
        ) : null}
      </form>
      {members.length === 0 ? (
        <EmptyState>{email ? "No member's email starts with that." : "No members yet."}</EmptyState>
      ) : (
        <Card>
          <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800" data-testid="group-member-list">
            {members.map((member) => (
              <GroupMemberRow key={member.id} groupId={group.id} member={member} />
            ))}
          </ul>
        </Card>
      )}
      <PageNav
        path={path}
        label="Member pages"
        cursor={query.cursor}
        nextCursor={page.nextCursor}
        params={email ? { email } : {}}
      />
    </div>
  );
}
