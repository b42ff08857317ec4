import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { CreateWebhookForm } from "@/components/admin/create-webhook-form";
import { ActionForm } from "@/components/ui/action-form";
import { LocalTime } from "@/components/ui/local-time";
import { SubmitButton } from "@/components/ui/submit-button";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/ui";
import { findAppById } from "@/lib/apps/data";
import { requireAdminPage } from "@/lib/auth/require-user";
import { deleteWebhookAction, sendTestWebhookAction, setWebhookEnabledAction } from "@/lib/webhooks/actions";
import { listDeliveriesForApp, listWebhooksForApp } from "@/lib/webhooks/data";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Webhooks" };

const STATUS_COLOR = { delivered: "green", pending: "amber", failed: "red" } as const;

export default async function AdminAppWebhooksPage({ params }: { params: Promise<{ appId: string }> }) {
  const { appId } = await params;
  const admin = await requireAdminPage(`/admin/apps/${appId}/webhooks`);
  const app = await findAppById(appId);
  if (!app) notFound();
  const [webhooks, deliveries] = await Promise.all([
    listWebhooksForApp(admin, app.id),
    listDeliveriesForApp(admin, app.id, 50),
  ]);
  const urlOf = new Map(webhooks.map((w) => [w.id, w.url]));
  const appIdInput = <input type="hidden" name="appId" value={app.id} />;
  return (
    <div className="space-y-6">
      <PageHeader title={`Webhooks of ${app.name}`}>
        Ferry POSTs to these URLs when a build is uploaded or promoted, signed with{" "}
        <code>X-Ferry-Signature: sha256=…</code>, and retries failed deliveries with backoff.{" "}
        <a href="/admin/apps" className="underline">
          All apps
        </a>
      </PageHeader>
      <Card title="Add a webhook" testId="webhook-create">
        <CreateWebhookForm appId={app.id} />
      </Card>
      {webhooks.length === 0 ? (
        <EmptyState>No webhooks for this app yet.</EmptyState>
      ) : (
        <ul className="space-y-2" data-testid="webhook-list">
          {webhooks.map((hook) => (
            <li
              key={hook.id}
              data-testid="webhook"
              className="rounded-xl border border-slate-200 bg-white px-4 py-3 dark:border-slate-700 dark:bg-slate-900"
            >
              <div className="flex flex-wrap items-center justify-between gap-3">
                <div className="min-w-0 text-sm">
                  <p className="break-all font-medium">{hook.url}</p>
                  <p className="text-slate-500 dark:text-slate-400">
                    {hook.events.join(", ")} · {hook.format} · secret {hook.secretHint}{" "}
                    {hook.enabled ? <Badge color="green">Enabled</Badge> : <Badge>Disabled</Badge>}
                  </p>
                </div>
                <div className="flex flex-wrap gap-2">
                  <ActionForm
                    action={sendTestWebhookAction}
                    resetOnSuccess={false}
                    testId="webhook-test"
                    label={`Send a test to ${hook.url}`}
                  >
                    {appIdInput}
                    <input type="hidden" name="webhookId" value={hook.id} />
                    <SubmitButton small variant="secondary">
                      Send test
                    </SubmitButton>
                  </ActionForm>
                  <ActionForm action={setWebhookEnabledAction} resetOnSuccess={false}>
                    {appIdInput}
                    <input type="hidden" name="webhookId" value={hook.id} />
                    <input type="hidden" name="enabled" value={hook.enabled ? "false" : "true"} />
                    <SubmitButton small variant="secondary">
                      {hook.enabled ? "Disable" : "Enable"}
                    </SubmitButton>
                  </ActionForm>
                  <ActionForm action={deleteWebhookAction} confirm={`Delete the webhook to ${hook.url}?`}>
                    {appIdInput}
                    <input type="hidden" name="webhookId" value={hook.id} />
                    <SubmitButton small variant="danger">
                      Delete
                    </SubmitButton>
                  </ActionForm>
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
      <Card title="Delivery log (last 50)" testId="webhook-deliveries">
        {deliveries.length === 0 ? (
          <p className="text-sm text-slate-500 dark:text-slate-400">Nothing delivered yet.</p>
        ) : (
          <table className="w-full text-left text-sm">
            <thead>
              <tr className="text-slate-500 dark:text-slate-400">
                <th>Queued</th>
                <th>Event</th>
                <th>URL</th>
                <th>Status</th>
                <th>Attempts</th>
                <th>Last answer</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr
                  key={d.id}
                  data-testid="webhook-delivery"
                  className="border-t border-slate-100 align-top dark:border-slate-800"
                >
                  <td>
                    <LocalTime iso={d.createdAt} />
                  </td>
                  <td>{d.event}</td>
                  <td className="break-all">{urlOf.get(d.webhookId) ?? ""}</td>
                  <td>
                    <Badge color={STATUS_COLOR[d.status]}>{d.status}</Badge>
                  </td>
                  <td>
                    {d.attempts}
                    {d.log.length > 0 ? (
                      <span className="text-slate-500 dark:text-slate-400">
                        {" "}
                        ({d.log.map((a) => a.status ?? a.error).join(", ")})
                      </span>
                    ) : null}
                  </td>
                  <td className="break-all text-slate-600 dark:text-slate-300">
                    {d.lastStatus ?? d.lastError ?? ""} {d.responseSnippet?.slice(0, 120) ?? ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
