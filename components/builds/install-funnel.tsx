"use client";

// A client component so the page's RSC payload carries the funnel's counts, not its 100 rendered rows (issue 21).
import { ScrollRegion } from "@/components/ui/ui";
import type { InstallFunnel } from "@/lib/audit/install-analytics";
import { formatDate } from "@/lib/ui/format";
import { CARD, MUTED } from "@/lib/ui/styles";

const STEPS = [
  ["views", "Page views"],
  ["manifests", "Install taps (manifest fetched)"],
  ["downloads", "Downloads started"],
  ["completed", "Downloads completed"],
] as const;

/** Admins: where installs of this build stop, in total and per person. */
export function InstallFunnelSection({ funnel }: { funnel: InstallFunnel }) {
  return (
    <section className={`${CARD} p-5`} data-testid="install-funnel">
      <h2 className="mb-1 font-semibold">Install funnel</h2>
      <p className={`mb-3 text-sm ${MUTED}`}>
        Each step is counted when iOS or the browser reached it: a drop between two steps shows where installs stop.
      </p>
      <ol className="grid grid-cols-2 gap-2 sm:grid-cols-4">
        {STEPS.map(([key, label]) => (
          <li
            key={key}
            data-step={key}
            className="rounded-lg border border-slate-200 p-3 text-center dark:border-slate-700"
          >
            <span className="block text-2xl font-semibold" data-testid={`funnel-${key}`}>
              {funnel[key]}
            </span>
            <span className={`text-xs ${MUTED}`}>{label}</span>
          </li>
        ))}
      </ol>
      {funnel.users.length > 0 ? (
        <ScrollRegion label="Installs by person" className="relative mt-4 overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="funnel-users">
            <thead className={MUTED}>
              <tr>
                <th className="py-1 pr-3 font-medium">Person</th>
                <th className="py-1 pr-3 font-medium">Views</th>
                <th className="py-1 pr-3 font-medium">Taps</th>
                <th className="py-1 pr-3 font-medium">Downloads</th>
                <th className="py-1 pr-3 font-medium">Completed</th>
                <th className="py-1 font-medium">Last</th>
              </tr>
            </thead>
            <tbody>
              {funnel.users.map((u) => (
                <tr key={u.email} className="border-t border-slate-200 dark:border-slate-700" data-email={u.email}>
                  <td className="break-all py-1 pr-3">{u.email}</td>
                  <td className="py-1 pr-3">{u.views}</td>
                  <td className="py-1 pr-3">{u.manifests}</td>
                  <td className="py-1 pr-3">{u.downloads}</td>
                  <td className="py-1 pr-3">{u.completed}</td>
                  <td className="py-1 whitespace-nowrap">{formatDate(u.lastAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
      {funnel.people > funnel.users.length ? (
        <p className={`mt-2 text-sm ${MUTED}`} data-testid="funnel-more-people">
          The {funnel.users.length} people seen most recently of {funnel.people.toLocaleString("en-US")}; the totals
          above count everyone.
        </p>
      ) : null}
    </section>
  );
}
