import type { Metadata } from "next";
import { AppAccessCard } from "@/components/admin/app-access-card";
import { AppSettings } from "@/components/admin/app-settings-list";
import { PageNav } from "@/components/ui/page-nav";
import { EmptyState, PageHeader } from "@/components/ui/ui";
import { listAppAccessPage, listAppSettings, storageUsage } from "@/lib/apps/data";
import { requireAdminPage } from "@/lib/auth/require-user";
import { listChannelAccessOf } from "@/lib/channels/data";
import { countGroups } from "@/lib/groups/data";
import { pageQueryFromSearch } from "@/lib/http/pagination";
import { formatBytes } from "@/lib/ui/format";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Apps" };

// Each card holds the app's settings and channels: a page of them at a time (keyset by name).
const PAGE_SIZE = 10;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AdminAppsPage({ searchParams }: Props) {
  const admin = await requireAdminPage("/admin/apps");
  const query = pageQueryFromSearch(await searchParams, PAGE_SIZE);
  const [page, groupCount] = await Promise.all([listAppAccessPage(admin, query), countGroups()]);
  const apps = page.items;
  // The page's apps' settings, channels and bytes: one query each, not one per app.
  const ids = apps.map((app) => app.id);
  const [settings, channelsOf, usage] = await Promise.all([
    listAppSettings(ids),
    listChannelAccessOf(ids),
    storageUsage(ids),
  ]);
  return (
    <div className="space-y-6">
      <PageHeader title="Apps">
        A restricted app is visible to admins and to the members of the groups it is granted to. An app visible to
        everyone can be installed by anyone signed in. Each app&apos;s settings are in its card.
      </PageHeader>
      <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="storage-total">
        Storage used by all builds: <strong>{formatBytes(usage.totalBytes)}</strong>
      </p>
      {apps.length === 0 && !query.cursor ? (
        <EmptyState>No apps yet. An app appears here after its first build is uploaded.</EmptyState>
      ) : (
        <div className="space-y-4" data-testid="app-access-list">
          {apps.map((app) => {
            const details = settings.find((s) => s.id === app.id);
            return (
              <AppAccessCard key={app.id} app={app} groupCount={groupCount}>
                {details ? (
                  <AppSettings
                    app={details}
                    channels={channelsOf.get(app.id) ?? []}
                    storedBytes={usage.perApp.get(app.id) ?? 0}
                  />
                ) : null}
              </AppAccessCard>
            );
          })}
        </div>
      )}
      <PageNav path="/admin/apps" label="Apps pages" cursor={query.cursor} nextCursor={page.nextCursor} />
    </div>
  );
}
