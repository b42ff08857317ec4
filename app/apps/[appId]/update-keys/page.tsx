import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ActionForm } from "@/components/ui/action-form";
import { LocalTime } from "@/components/ui/local-time";
import { SubmitButton } from "@/components/ui/submit-button";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/ui";
import { CreateUpdateKeyForm } from "@/components/update-keys/create-update-key-form";
import { findAppById } from "@/lib/apps/data";
import { requireUserPage } from "@/lib/auth/require-user";
import { env } from "@/lib/config/env";
import { revokeUpdateKeyAction } from "@/lib/update-check/actions";
import { listUpdateKeysForApp, mayManageUpdateKeys } from "@/lib/update-check/data";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Update keys" };

const CODE = "rounded bg-slate-100 px-1 break-all dark:bg-slate-800";

/** An app's update keys: admins and the app's uploaders (everyone else: 404). */
export default async function UpdateKeysPage({ params }: { params: Promise<{ appId: string }> }) {
  const { appId } = await params;
  const user = await requireUserPage(`/apps/${appId}/update-keys`);
  const app = await findAppById(appId);
  if (!app || !(await mayManageUpdateKeys(user, app.id))) notFound();
  const keys = await listUpdateKeysForApp(app.id);
  const endpoint = `${env().publicUrl}/api/v1/apps/${app.bundleId}/latest?version=1.0&build=1`;
  return (
    <div className="space-y-6">
      <PageHeader title={`Update keys of ${app.name}`}>
        An update key lets {app.name} itself ask whether a newer build is out, so it can prompt its users. It is
        read-only and reveals only the newest version, its release notes and its page (never an install link). Send{" "}
        <code className={CODE}>GET {endpoint}</code> with <code className={CODE}>Authorization: Bearer ferryu_…</code>.{" "}
        <a href={`/apps/${app.id}`} className="underline">
          Back to {app.name}
        </a>
      </PageHeader>
      <Card title="Create an update key" testId="create-update-key">
        <CreateUpdateKeyForm appId={app.id} />
      </Card>
      <Card title="Keys" testId="update-key-list">
        {keys.length === 0 ? (
          <EmptyState>No update keys yet.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-200 dark:divide-slate-700">
            {keys.map((key) => (
              <li
                key={key.id}
                data-testid="update-key"
                className="flex flex-wrap items-center justify-between gap-3 py-3 text-sm"
              >
                <div className="min-w-0">
                  <p className="break-words font-medium">
                    {key.name} <code className={CODE}>ferryu_{key.prefix}…</code>{" "}
                    {key.revokedAt ? <Badge>Revoked</Badge> : <Badge color="green">Active</Badge>}
                  </p>
                  <p className="text-slate-600 dark:text-slate-300">
                    Created <LocalTime iso={key.createdAt} /> · last used{" "}
                    {key.lastUsedAt ? <LocalTime iso={key.lastUsedAt} /> : "never"}
                  </p>
                </div>
                {key.revokedAt ? null : (
                  <ActionForm action={revokeUpdateKeyAction} confirm={`Revoke the update key ${key.name}?`}>
                    <input type="hidden" name="appId" value={app.id} />
                    <input type="hidden" name="keyId" value={key.id} />
                    <SubmitButton small variant="danger">
                      Revoke
                    </SubmitButton>
                  </ActionForm>
                )}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
