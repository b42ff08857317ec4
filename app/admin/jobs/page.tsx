import type { Metadata } from "next";
import { PageNav } from "@/components/ui/page-nav";
import { Badge, Card, EmptyState, PageHeader, ScrollRegion, TableHead } from "@/components/ui/ui";
import { PROVISION_JOB_KIND } from "@/lib/app-store-connect/schema";
import { requireAdminPage } from "@/lib/auth/require-user";
import { pageQueryFromSearch } from "@/lib/http/pagination";
import { latestSweepRuns, listBackgroundWorkPage } from "@/lib/jobs/data";
import { MAX_MAIL_ATTEMPTS } from "@/lib/notifications/outbox";
import { RESIGN_JOB_KIND } from "@/lib/signing/resign/schema";
import { formatDate } from "@/lib/ui/format";
import { MAX_ATTEMPTS as MAX_WEBHOOK_ATTEMPTS } from "@/lib/webhooks/deliveries";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Background jobs" };

const PAGE_SIZE = 50;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const STATUS_COLOR = { queued: "sky", running: "amber", failed: "red" } as const;

/** What each kind is, in an admin's words; the kind itself stays beside it for the server log. */
const KIND_LABEL: Record<string, string> = {
  [RESIGN_JOB_KIND]: "Re-sign a build",
  [PROVISION_JOB_KIND]: "Add devices with Apple",
  "sweep.files": "Remove stored files no build uses",
  "sweep.history": "Prune old history",
  "sweep.retention": "Remove builds past their app's retention",
};

/** A sweep's counts in words: `{ auditEvents: 3 }` → "audit events 3". */
function describeResult(result: Record<string, unknown> | null): string {
  if (!result) return "";
  const parts = Object.entries(result).map(
    ([key, value]) => `${key.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)} ${String(value)}`,
  );
  return parts.length > 0 ? parts.join(", ") : "nothing to do";
}

function KindName({ kind }: { kind: string }) {
  const label = KIND_LABEL[kind];
  return label ? (
    <>
      <span className="font-medium">{label}</span>{" "}
      <code className="text-xs text-slate-600 dark:text-slate-300">{kind}</code>
    </>
  ) : (
    <span className="font-medium">{kind}</span>
  );
}

export default async function AdminJobsPage({ searchParams }: Props) {
  const admin = await requireAdminPage("/admin/jobs");
  const query = pageQueryFromSearch(await searchParams, PAGE_SIZE);
  const [{ items, nextCursor }, sweeps] = await Promise.all([
    listBackgroundWorkPage(admin, query, { webhookAttempts: MAX_WEBHOOK_ATTEMPTS, mailAttempts: MAX_MAIL_ATTEMPTS }),
    latestSweepRuns(admin),
  ]);
  return (
    <div className="space-y-6">
      <PageHeader title="Background jobs">
        Work Ferry does in the background: re-signing, provisioning, webhook deliveries, notification emails and the
        periodic clean-ups. Listed here while queued, running or failed; a failed attempt is retried after a wait, and
        the last error is kept. Any instance may run them; work interrupted by a restart is resumed.
      </PageHeader>
      <Card title="Periodic clean-ups" testId="sweep-runs">
        {sweeps.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-300">No clean-up has finished yet.</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {sweeps.map((sweep) => (
              <li key={sweep.kind}>
                <KindName kind={sweep.kind} />{" "}
                <Badge color={sweep.status === "failed" ? "red" : "green"}>{sweep.status}</Badge>{" "}
                {sweep.finishedAt ? formatDate(sweep.finishedAt.toISOString()) : ""}{" "}
                <span className="text-slate-600 dark:text-slate-300">
                  {sweep.status === "failed" ? sweep.error?.message : describeResult(sweep.result)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>
      {items.length === 0 && !query.cursor ? (
        <EmptyState>Nothing queued, running or failed.</EmptyState>
      ) : (
        <ScrollRegion label="Background jobs">
          <table className="w-full text-left text-sm" data-testid="jobs-table">
            <TableHead columns={["Kind", "Status", "Attempts", "Next run", "Error", "Queued"]} />
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {items.map((row) => (
                <tr key={`${row.source}:${row.id}`} data-testid="job-row">
                  <td className="px-3 py-2">
                    <KindName kind={row.kind} />
                    {row.target ? <div className="text-xs text-slate-600 dark:text-slate-300">{row.target}</div> : null}
                  </td>
                  <td className="px-3 py-2">
                    <Badge color={STATUS_COLOR[row.status]}>{row.status}</Badge>
                  </td>
                  <td className="px-3 py-2">
                    {row.attempts} of {row.maxAttempts}
                  </td>
                  <td className="px-3 py-2">{row.nextRunAt ? formatDate(row.nextRunAt.toISOString()) : "—"}</td>
                  <td className="max-w-md px-3 py-2 break-words">{row.error ?? "—"}</td>
                  <td className="px-3 py-2">{formatDate(row.createdAt.toISOString())}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <PageNav path="/admin/jobs" label="Background jobs pages" cursor={query.cursor} nextCursor={nextCursor} />
    </div>
  );
}
