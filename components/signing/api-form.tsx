"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, type ReactNode, useState } from "react";

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
    try {
      const res = await fetch(endpoint, { method, body: method === "POST" ? new FormData(form) : undefined });
      if (res.ok) {
        form.reset();
        setMessage(method === "POST" ? { ok: true, text: "Added." } : null);
        router.refresh();
      } else {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        setMessage({ ok: false, text: body?.error?.message ?? `The request failed (${res.status}).` });
      }
    } catch {
      setMessage({ ok: false, text: "Ferry could not be reached. Try again." });
    } finally {
      setPending(false);
    }
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
        {message ? (
          <p
            role={message.ok ? "status" : "alert"}
            className={`text-sm ${message.ok ? "text-emerald-700 dark:text-emerald-300" : "text-red-700 dark:text-red-300"}`}
          >
            {message.text}
          </p>
        ) : null}
      </div>
    </form>
  );
}
