"use client";

import type { ReactNode } from "react";
import { useActionPending } from "@/components/ui/action-form";

const STYLES = {
  // A dark page's cards are slate-900 too: the button takes the accent colour there.
  primary: "bg-slate-900 text-white hover:bg-slate-800 dark:bg-sky-700 dark:hover:bg-sky-600",
  secondary:
    "border border-slate-300 bg-white text-slate-700 hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800",
  danger:
    "border border-red-300 bg-white text-red-700 hover:bg-red-50 dark:border-red-800 dark:bg-slate-900 dark:text-red-300 dark:hover:bg-red-950",
} as const;

/** A submit button for an ActionForm: disabled while the action runs. */
export function SubmitButton({
  children,
  variant = "primary",
  small = false,
  name,
  value,
  disabled = false,
  title,
}: {
  children: ReactNode;
  variant?: keyof typeof STYLES;
  small?: boolean;
  name?: string;
  value?: string;
  disabled?: boolean;
  title?: string;
}) {
  const pending = useActionPending();
  return (
    <button
      type="submit"
      name={name}
      value={value}
      title={title}
      disabled={pending || disabled}
      aria-busy={pending || undefined}
      className={`${small ? "px-2.5 py-1 text-sm" : "px-3 py-1.5 text-sm"} whitespace-nowrap rounded-md font-medium disabled:opacity-50 ${STYLES[variant]}`}
    >
      {children}
    </button>
  );
}
