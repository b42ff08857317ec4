import type { Metadata } from "next";
import { AppAccessCard } from "@/components/admin/app-access-card";
import { AppSettings } from "@/components/admin/app-settings-list";
import { EmptyState, PageHeader } from "@/components/ui/ui";
import { listAppAccess, listAppSettings, storageUsage } from "@/lib/apps/data";
import { requireAdminPage } from "@/lib/auth/require-user";
import { listChannelsFor } from "@/lib/channels/data";
import { listGroups } from "@/lib/groups/data";
import { formatBytes } from "@/lib/ui/format";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Apps" };

export default async function AdminAppsPage() {
  const admin = await requireAdminPage("/admin/apps");
  const [apps, groups, settings, usage] = await Promise.all([
    listAppAccess(admin),
    listGroups(),
    listAppSettings(),
    storageUsage(),
  ]);
  const channelsOf = await Promise.all(apps.map((app) => listChannelsFor(admin, app.id)));
  const groupOptions = groups.map((g) => ({ id: g.id, name: g.name, memberCount: g.members.length }));
  return (
    <div className="space-y-6">
      <PageHeader title="Apps">
        A restricted app is visible to admins and to the members of the groups it is granted to. An app visible to
        everyone can be installed by anyone signed in. Each app&apos;s settings are in its card.
      </PageHeader>
      <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="storage-total">
        Storage used by all builds: <strong>{formatBytes(usage.totalBytes)}</strong>
      </p>
      {apps.length === 0 ? (
        <EmptyState>No apps yet. An app appears here after its first build is uploaded.</EmptyState>
      ) : (
        <div className="space-y-4" data-testid="app-access-list">
          {apps.map((app, index) => {
            const details = settings.find((s) => s.id === app.id);
            return (
              <AppAccessCard key={app.id} app={app} groups={groupOptions}>
                {details ? (
                  <AppSettings
                    app={details}
                    channels={channelsOf[index] ?? []}
                    groups={groupOptions}
                    storedBytes={usage.perApp.get(app.id) ?? 0}
                  />
                ) : null}
              </AppAccessCard>
            );
          })}
        </div>
      )}
    </div>
  );
}
