import type { Metadata } from "next";
import { CreateUserForm } from "@/components/admin/create-user-form";
import { UserRow } from "@/components/admin/user-row";
import { PageNav } from "@/components/ui/page-nav";
import { Card, PageHeader, ScrollRegion } from "@/components/ui/ui";
import { requireAdminPage } from "@/lib/auth/require-user";
import { pageQueryFromSearch } from "@/lib/http/pagination";
import { listUsersPage } from "@/lib/users/data";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Users" };

const PAGE_SIZE = 50;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AdminUsersPage({ searchParams }: Props) {
  const admin = await requireAdminPage("/admin/users");
  const query = pageQueryFromSearch(await searchParams, PAGE_SIZE);
  const { items: users, nextCursor, total, active } = await listUsersPage(admin, query);
  return (
    <div className="space-y-6">
      <PageHeader title="Users">
        {total.toLocaleString("en-US")} account{total === 1 ? "" : "s"}, {active.toLocaleString("en-US")} active.
        Members install the apps their groups were given; uploaders also publish builds to those apps; admins manage
        everything.
      </PageHeader>
      <Card title="Create a user" testId="create-user">
        <CreateUserForm />
      </Card>
      <ScrollRegion label="Users">
        <table className="w-full text-left text-sm" data-testid="users-table">
          <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase tracking-wide text-slate-500 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-400">
            <tr>
              <th scope="col" className="px-3 py-2 font-semibold">
                User
              </th>
              <th scope="col" className="px-3 py-2 font-semibold">
                Role
              </th>
              <th scope="col" className="px-3 py-2 font-semibold">
                Groups
              </th>
              <th scope="col" className="px-3 py-2 font-semibold">
                Sign-in
              </th>
              <th scope="col" className="px-3 py-2 font-semibold">
                Last sign-in
              </th>
              <th scope="col" className="px-3 py-2 font-semibold">
                Status
              </th>
              <th scope="col" className="px-3 py-2 font-semibold">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {users.map((user) => (
              <UserRow key={user.id} user={user} isSelf={user.id === admin.id} />
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <PageNav path="/admin/users" label="Users pages" cursor={query.cursor} nextCursor={nextCursor} />
    </div>
  );
}
