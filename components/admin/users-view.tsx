import { AdminNavLinks } from "@/components/admin/admin-nav-links";
import { CreateUserForm } from "@/components/admin/create-user-form";
import { UserRow } from "@/components/admin/user-row";
import { FormMessage } from "@/components/ui/form-message";
import { PageNav } from "@/components/ui/page-nav";
import type { PostFormsProps } from "@/components/ui/post-form";
import { Card, PageHeader, ScrollRegion } from "@/components/ui/ui";
import type { UserAdminDto } from "@/lib/users/data";

export type UsersViewProps = {
  users: UserAdminDto[];
  /** The reader's own id: their row says "you". */
  selfId: string;
  total: number;
  active: number;
  cursor: string | null;
  nextCursor: string | null;
  forms: PostFormsProps;
};

/** Admin Users (/admin/users): create a user; each row's role, status, sessions and password, as plain posts. */
export function UsersView({ users, selfId, total, active, cursor, nextCursor, forms }: UsersViewProps) {
  return (
    <div className="space-y-6">
      <AdminNavLinks pathname="/admin/users" />
      <PageHeader title="Users">
        {total.toLocaleString("en-US")} account{total === 1 ? "" : "s"}, {active.toLocaleString("en-US")} active.
        Members install the apps their groups were given; uploaders also publish builds to those apps; admins manage
        everything.
      </PageHeader>
      {forms.result?.action === "" ? <FormMessage state={forms.result.state} /> : null}
      <Card title="Create a user" testId="create-user">
        <CreateUserForm forms={forms} />
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
              <UserRow key={user.id} user={user} isSelf={user.id === selfId} forms={forms} />
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <PageNav path="/admin/users" label="Users pages" cursor={cursor ?? undefined} nextCursor={nextCursor} />
    </div>
  );
}
