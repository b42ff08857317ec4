/**
 * Release notes are Markdown written by uploaders and read by every employee,
 * so rendering must never let the author run script or smuggle HTML. The
 * approach: escape everything first (no raw HTML survives), then recognise a
 * small whitelist on the escaped text: paragraphs, line breaks, headings,
 * bullet and numbered lists, fenced and inline code, emphasis, and links whose
 * URL starts with http:, https: or mailto: (anything else stays plain text).
 * Our own ~100 lines instead of a Markdown library: the whitelist is the whole
 * feature, and nothing here needs a DOM or a sanitiser to be trusted.
 */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const SAFE_URL = /^(https?:\/\/|mailto:)[^\s]+$/i;
// Private-use characters mark code spans while the other inline rules run.
const MARK = "\uE000";

/** Inline rules on one already-escaped line. */
function inline(escaped: string): string {
  const codes: string[] = [];
  let text = escaped.replace(/`([^`]+)`/g, (_, code: string) => {
    codes.push(`<code>${code}</code>`);
    return `${MARK}${codes.length - 1}${MARK}`;
  });
  text = text.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_whole, label: string, url: string) =>
    SAFE_URL.test(url) ? `<a href="${url}" rel="nofollow noopener noreferrer">${label}</a>` : label,
  );
  text = text
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/__([^_]+)__/g, "<strong>$1</strong>")
    .replace(/(^|[^*\w])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>")
    .replace(/(^|[^_\w])_([^_\s][^_]*)_(?!\w)/g, "$1<em>$2</em>");
  return text.replace(new RegExp(`${MARK}(\\d+)${MARK}`, "g"), (_, i: string) => codes[Number(i)] ?? "");
}

type ListKind = "ul" | "ol";

/** Renders Markdown `source` to HTML that contains only the whitelisted tags. */
export function renderMarkdown(source: string): string {
  const lines = source.replace(/\r\n?/g, "\n").replaceAll(MARK, "").split("\n");
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: { kind: ListKind; items: string[] } | null = null;
  let code: string[] | null = null;

  const flushParagraph = () => {
    if (paragraph.length > 0) out.push(`<p>${paragraph.map(inline).join("<br>")}</p>`);
    paragraph = [];
  };
  const flushList = () => {
    if (list) out.push(`<${list.kind}>${list.items.map((i) => `<li>${inline(i)}</li>`).join("")}</${list.kind}>`);
    list = null;
  };

  for (const raw of lines) {
    if (code !== null) {
      if (/^\s*```/.test(raw)) {
        out.push(`<pre><code>${code.join("\n")}</code></pre>`);
        code = null;
      } else {
        code.push(escapeHtml(raw));
      }
      continue;
    }
    if (/^\s*```/.test(raw)) {
      flushParagraph();
      flushList();
      code = [];
      continue;
    }
    const line = escapeHtml(raw);
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d{1,9}[.)]\s+(.*)$/.exec(line);
    if (line.trim() === "") {
      flushParagraph();
      flushList();
    } else if (heading) {
      flushParagraph();
      flushList();
      // h1 is the page's own title: note headings start at h3.
      const level = Math.min(6, (heading[1]?.length ?? 1) + 2);
      out.push(`<h${level}>${inline(heading[2] ?? "")}</h${level}>`);
    } else if (bullet || numbered) {
      flushParagraph();
      const kind: ListKind = bullet ? "ul" : "ol";
      if (list && list.kind !== kind) flushList();
      list ??= { kind, items: [] };
      list.items.push((bullet ?? numbered)?.[1] ?? "");
    } else {
      flushList();
      paragraph.push(line.trim());
    }
  }
  if (code !== null) out.push(`<pre><code>${(code as string[]).join("\n")}</code></pre>`);
  flushParagraph();
  flushList();
  return out.join("\n");
}
