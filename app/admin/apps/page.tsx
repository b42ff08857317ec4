import type { Metadata } from "next";
import { AppAccessCard } from "@/components/admin/app-access-card";
import { AppSettingsList } from "@/components/admin/app-settings-list";
import { EmptyState, PageHeader } from "@/components/ui/ui";
import { listAppAccess } from "@/lib/apps/data";
import { requireAdminPage } from "@/lib/auth/require-user";
import { listGroups } from "@/lib/groups/data";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "App access" };

export default async function AdminAppsPage() {
  const admin = await requireAdminPage("/admin/apps");
  const [apps, groups] = await Promise.all([listAppAccess(admin), listGroups()]);
  const groupOptions = groups.map((g) => ({ id: g.id, name: g.name, memberCount: g.members.length }));
  return (
    <div className="space-y-6">
      <PageHeader title="App access">
        A restricted app is visible to admins and to the members of the groups it is granted to. An app visible to
        everyone can be installed by anyone signed in.
      </PageHeader>
      {apps.length === 0 ? (
        <EmptyState>No apps yet. An app appears here after its first build is uploaded.</EmptyState>
      ) : (
        <div className="space-y-4" data-testid="app-access-list">
          {apps.map((app) => (
            <AppAccessCard key={app.id} app={app} groups={groupOptions} />
          ))}
        </div>
      )}
      <AppSettingsList admin={admin} groups={groupOptions} />
    </div>
  );
}
