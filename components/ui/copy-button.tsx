"use client";

import { useState } from "react";
import { COPY_LABELS, copyText } from "@/lib/ui/clipboard";

/**
 * Copies `text` to the clipboard. On the pages without the React runtime,
 * public/page-script.js wires the same button through data-copy.
 */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<keyof typeof COPY_LABELS | null>(null);

  async function copy() {
    setCopied((await copyText(text)) ? "copied" : "failed");
    setTimeout(() => setCopied(null), 2000);
  }

  return (
    <button
      type="button"
      data-copy={text}
      onClick={() => void copy()}
      className="rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800"
    >
      <span aria-live="polite">{copied ? COPY_LABELS[copied] : label}</span>
    </button>
  );
}
