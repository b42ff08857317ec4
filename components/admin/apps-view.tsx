import { AdminNavLinks } from "@/components/admin/admin-nav-links";
import { AppAccessCard } from "@/components/admin/app-access-card";
import { AppSettings } from "@/components/admin/app-settings-list";
import { FormMessage } from "@/components/ui/form-message";
import { PageNav } from "@/components/ui/page-nav";
import type { PostFormsProps } from "@/components/ui/post-form";
import { EmptyState, PageHeader } from "@/components/ui/ui";
import type { AppAccessDto, listAppSettings } from "@/lib/apps/data";
import type { ChannelAccessDto } from "@/lib/channels/data";
import { formatBytes } from "@/lib/ui/format";

/** One app's card: who sees it, and its settings with its channels and stored bytes. */
export type AdminAppEntry = {
  access: AppAccessDto;
  settings: Awaited<ReturnType<typeof listAppSettings>>[number] | null;
  channels: ChannelAccessDto[];
  storedBytes: number;
};

export type AppsViewProps = {
  apps: AdminAppEntry[];
  /** How many groups exist: none replaces a card's grant input with "create one". */
  groupCount: number;
  totalBytes: number;
  cursor: string | null;
  nextCursor: string | null;
  forms: PostFormsProps;
};

/** Admin Apps (/admin/apps): each app's access and settings, a page at a time, as plain posts. */
export function AppsView({ apps, groupCount, totalBytes, cursor, nextCursor, forms }: AppsViewProps) {
  return (
    <div className="space-y-6">
      <AdminNavLinks pathname="/admin/apps" />
      <PageHeader title="Apps">
        A restricted app is visible to admins and to the members of the groups it is granted to. An app visible to
        everyone can be installed by anyone signed in. Each app&apos;s settings are in its card.
      </PageHeader>
      {forms.result?.action === "" ? <FormMessage state={forms.result.state} /> : null}
      <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="storage-total">
        Storage used by all builds: <strong>{formatBytes(totalBytes)}</strong>
      </p>
      {apps.length === 0 && !cursor ? (
        <EmptyState>No apps yet. An app appears here after its first build is uploaded.</EmptyState>
      ) : (
        <div className="space-y-4" data-testid="app-access-list">
          {apps.map(({ access, settings, channels, storedBytes }) => (
            <AppAccessCard key={access.id} app={access} groupCount={groupCount} forms={forms}>
              {settings ? (
                <AppSettings app={settings} channels={channels} storedBytes={storedBytes} forms={forms} />
              ) : null}
            </AppAccessCard>
          ))}
        </div>
      )}
      <PageNav path="/admin/apps" label="Apps pages" cursor={cursor ?? undefined} nextCursor={nextCursor} />
    </div>
  );
}
