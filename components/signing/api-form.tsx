"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, type ReactNode, useState } from "react";
import { ResultMessage } from "@/components/ui/ui";
import { callApi } from "@/lib/ui/call-api";

const BUTTON = {
  primary: "bg-slate-900 text-white hover:bg-slate-800 dark:bg-sky-700 dark:hover:bg-sky-600",
  danger:
    "border border-red-300 bg-white text-red-700 hover:bg-red-50 dark:border-red-800 dark:bg-slate-900 dark:text-red-300 dark:hover:bg-red-950",
} as const;

/**
 * A form sent to one of Ferry's own API routes with the session (same origin),
 * so admin pages and the API share one policy. Shows the API's error sentence,
 * and refreshes the page's data on success.
 */
export function ApiForm({
  endpoint,
  method = "POST",
  label,
  submitLabel,
  variant = "primary",
  className = "space-y-3",
  children,
  confirm,
}: {
  endpoint: string;
  method?: "POST" | "DELETE";
  label: string;
  submitLabel: string;
  variant?: keyof typeof BUTTON;
  className?: string;
  children?: ReactNode;
  confirm?: string;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (confirm && !window.confirm(confirm)) return;
    const form = event.currentTarget;
    setPending(true);
    setMessage(null);
    const result = await callApi(endpoint, { method, form: method === "POST" ? new FormData(form) : undefined });
    setPending(false);
    if (result.ok) {
      form.reset();
      setMessage(method === "POST" ? { ok: true, text: "Added." } : null);
      router.refresh();
    } else setMessage({ ok: false, text: result.message });
  };
  return (
    <form aria-label={label} onSubmit={onSubmit} className={className}>
      {children}
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="submit"
          disabled={pending}
          aria-busy={pending || undefined}
          className={`rounded-md px-3 py-1.5 text-sm font-medium disabled:opacity-60 ${BUTTON[variant]}`}
        >
          {submitLabel}
        </button>
        <ResultMessage value={message} />
      </div>
    </form>
  );
}
