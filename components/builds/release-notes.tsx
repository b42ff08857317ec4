import { renderMarkdownCached } from "@/lib/builds/markdown";

/** Release notes as Markdown. Raw HTML is safe here only because lib/builds/markdown.ts escapes everything and emits a small whitelist of tags. */
export function ReleaseNotes({ markdown }: { markdown: string }) {
  return (
    <div
      data-testid="release-notes"
      className="space-y-2 text-slate-700 [&_a]:text-sky-700 [&_a]:underline [&_code]:rounded [&_code]:bg-slate-100 [&_code]:px-1 [&_h3]:font-semibold [&_ol]:list-decimal [&_ol]:pl-5 [&_pre]:overflow-x-auto [&_pre]:rounded [&_pre]:bg-slate-100 [&_pre]:p-2 [&_ul]:list-disc [&_ul]:pl-5 dark:text-slate-200 dark:[&_a]:text-sky-300 dark:[&_code]:bg-slate-800 dark:[&_pre]:bg-slate-800"
      dangerouslySetInnerHTML={{ __html: renderMarkdownCached(markdown) }}
    />
  );
}
