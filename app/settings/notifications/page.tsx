import type { Metadata } from "next";
import { ActionForm } from "@/components/ui/action-form";
import { LocalTime } from "@/components/ui/local-time";
import { SubmitButton } from "@/components/ui/submit-button";
import { Card, EmptyState, PageHeader } from "@/components/ui/ui";
import { requireUserPage } from "@/lib/auth/require-user";
import { removeWatchAction } from "@/lib/notifications/actions";
import { listWatchesFor, notificationsEnabled } from "@/lib/notifications/data";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Email notifications" };

export default async function NotificationSettingsPage() {
  const user = await requireUserPage("/settings/notifications");
  const watches = await listWatchesFor(user);
  return (
    <div className="space-y-6">
      <PageHeader title="Email notifications">
        When a new build of an app or channel you watch is out, Ferry emails <strong>{user.email}</strong> its version,
        release notes and a link to its page. Builds that come out together arrive in one email. Watch an app or a
        channel with the Watch button on its page.
        {notificationsEnabled() ? null : " This server does not send email yet: an admin sets SMTP_URL and MAIL_FROM."}
      </PageHeader>
      <Card title="What you watch" testId="watch-list">
        {watches.length === 0 ? (
          <EmptyState>You watch nothing yet.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-200 dark:divide-slate-700">
            {watches.map((watch) => (
              <li
                key={watch.id}
                data-testid="watch"
                className="flex flex-wrap items-center justify-between gap-3 py-3 text-sm"
              >
                <div className="min-w-0">
                  <a
                    href={
                      watch.channel
                        ? `/apps/${watch.appId}/channels/${encodeURIComponent(watch.channel)}`
                        : `/apps/${watch.appId}`
                    }
                    className="break-words font-medium underline"
                  >
                    {watch.appName}
                  </a>{" "}
                  <span className="text-slate-600 dark:text-slate-300">
                    {watch.channel ? `channel ${watch.channel}` : "every channel you see"} · since{" "}
                    <LocalTime iso={watch.createdAt} />
                  </span>
                </div>
                <ActionForm action={removeWatchAction} label={`Unwatch ${watch.appName}`}>
                  <input type="hidden" name="watchId" value={watch.id} />
                  <SubmitButton small variant="secondary">
                    Unwatch
                  </SubmitButton>
                </ActionForm>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
