import type { Metadata } from "next";
import { CreateGroupForm } from "@/components/admin/create-group-form";
import { GroupCard } from "@/components/admin/group-card";
import { PageNav } from "@/components/ui/page-nav";
import { Card, EmptyState, PageHeader } from "@/components/ui/ui";
import { countApps } from "@/lib/apps/data";
import { requireAdminPage } from "@/lib/auth/require-user";
import { listGroupsPage } from "@/lib/groups/data";
import { pageQueryFromSearch } from "@/lib/http/pagination";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Groups" };

const PAGE_SIZE = 20;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AdminGroupsPage({ searchParams }: Props) {
  await requireAdminPage("/admin/groups");
  const query = pageQueryFromSearch(await searchParams, PAGE_SIZE);
  const [page, appCount] = await Promise.all([listGroupsPage(query), countApps()]);
  const groups = page.items;
  return (
    <div className="space-y-6">
      <PageHeader title="Groups">
        Members of a group can see and install every app granted to the group. Uploaders in the group can also publish
        builds to those apps.
      </PageHeader>
      <Card title="Create a group" testId="create-group">
        <CreateGroupForm />
      </Card>
      {page.total === 0 ? (
        <EmptyState>No groups yet. Create one, add people to it, then grant it apps.</EmptyState>
      ) : (
        <div className="space-y-4" data-testid="group-list">
          {groups.map((group) => (
            <GroupCard key={group.id} group={group} appCount={appCount} />
          ))}
        </div>
      )}
      <PageNav path="/admin/groups" label="Groups pages" cursor={query.cursor} nextCursor={page.nextCursor} />
    </div>
  );
}
