import type { Warning } from "@/lib/analysis/profile/install-readiness";

const STYLE: Record<Warning["severity"], string> = {
  error: "border-red-200 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100",
  warning: "border-amber-200 bg-amber-50 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100",
  info: "border-sky-200 bg-sky-50 text-sky-900 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-100",
};

const LABEL: Record<Warning["severity"], string> = { error: "Will not install", warning: "Warning", info: "Note" };

export function WarningList({ warnings, showHints = true }: { warnings: Warning[]; showHints?: boolean }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="space-y-2" aria-label="Install readiness">
      {warnings.map((w) => (
        <li
          key={w.code}
          data-testid="warning"
          data-code={w.code}
          className={`rounded-lg border px-3 py-2 text-sm ${STYLE[w.severity]}`}
        >
          <p>
            <span className="font-semibold">{LABEL[w.severity]}:</span> {w.message}
          </p>
          {showHints ? <p className="mt-0.5">{w.hint}</p> : null}
        </li>
      ))}
    </ul>
  );
}
