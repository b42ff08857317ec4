import type { ReactNode } from "react";
import { CARD, TABLE_CARD } from "@/lib/ui/styles";

/** Small presentational pieces shared by the admin and settings pages. */

export const inputClass =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm outline-none focus:border-sky-500 focus:ring-2 focus:ring-sky-200 dark:border-slate-600 dark:bg-slate-900 dark:focus:ring-sky-800";

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="mb-4">
      <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
      {children ? <p className="mt-1 text-sm text-slate-600 dark:text-slate-300">{children}</p> : null}
    </div>
  );
}

export function Card({ children, title, testId }: { children: ReactNode; title?: string; testId?: string }) {
  return (
    <section className={`${CARD} p-4`} data-testid={testId}>
      {title ? <h2 className="mb-3 font-semibold">{title}</h2> : null}
      {children}
    </section>
  );
}

/** The small upper-case heading of a section inside a card. */
export function SectionHeading({ children }: { children: ReactNode }) {
  return (
    <h3 className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">
      {children}
    </h3>
  );
}

/** A data table's header row; `actions` adds a last column labelled only for screen readers. */
export function TableHead({ columns, actions = false }: { columns: readonly string[]; actions?: boolean }) {
  return (
    <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase tracking-wide text-slate-500 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-400">
      <tr>
        {columns.map((label) => (
          <th key={label} scope="col" className="px-3 py-2 font-semibold">
            {label}
          </th>
        ))}
        {actions ? (
          <th scope="col" className="px-3 py-2">
            <span className="sr-only">Actions</span>
          </th>
        ) : null}
      </tr>
    </thead>
  );
}

const BADGE = {
  slate: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200",
  green: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200",
  red: "bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-200",
  amber: "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
  sky: "bg-sky-100 text-sky-800 dark:bg-sky-900 dark:text-sky-200",
  indigo: "bg-indigo-100 text-indigo-800 dark:bg-indigo-900 dark:text-indigo-200",
} as const;

export function Badge({ children, color = "slate" }: { children: ReactNode; color?: keyof typeof BADGE }) {
  return (
    <span className={`inline-block whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${BADGE[color]}`}>
      {children}
    </span>
  );
}

/** A labelled form control: the control inside must have `id={htmlFor}`. */
export function Field({
  label,
  htmlFor,
  children,
  hint,
}: {
  label: string;
  htmlFor: string;
  children: ReactNode;
  hint?: string;
}) {
  return (
    <div className="flex flex-col gap-1 text-sm">
      <label htmlFor={htmlFor} className="font-medium text-slate-700 dark:text-slate-200">
        {label}
      </label>
      {children}
      {hint ? <span className="text-xs text-slate-500 dark:text-slate-400">{hint}</span> : null}
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <p className="rounded-xl border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-300">
      {children}
    </p>
  );
}

/**
 * A table card that scrolls sideways on a narrow screen. Focusable and named, so keyboard
 * users can scroll it too (WCAG 2.1.1; axe's scrollable-region-focusable).
 */
export function ScrollRegion({
  label,
  className = TABLE_CARD,
  children,
}: {
  label: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus to be scrolled from the keyboard.
    <div role="region" aria-label={label} tabIndex={0} className={className}>
      {children}
    </div>
  );
}

/** The outcome of a button press: a polite status when it worked, an alert with the reason when it did not. */
export function ResultMessage({ value }: { value: { ok: boolean; text: string } | null }) {
  if (!value) return null;
  return (
    <p
      role={value.ok ? "status" : "alert"}
      className={`text-sm ${value.ok ? "text-emerald-700 dark:text-emerald-300" : "text-red-700 dark:text-red-300"}`}
    >
      {value.text}
    </p>
  );
}
