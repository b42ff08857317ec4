/**
 * Release notes are Markdown written by uploaders and read by every employee,
 * so rendering must never let the author run script or smuggle HTML. The
 * approach: every piece of the author's text is escaped as it is emitted (no
 * raw HTML survives), and only a small whitelist is recognised: paragraphs,
 * line breaks, headings, bullet and numbered lists, fenced and inline code,
 * emphasis, and links whose URL starts with http:, https: or mailto: (written
 * `[label](url)`, `<url>`, or a bare http(s) URL; anything else stays text).
 * Our own scanner instead of a Markdown library: the whitelist is the whole
 * feature, and nothing here needs a DOM or a sanitiser to be trusted.
 *
 * Every step is linear in the length of the notes: a single left-to-right
 * scan per line, and regular expressions only where they cannot backtrack
 * over the same text twice (a quadratic rule let 10,000 `[` take 290 ms).
 */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const SAFE_URL = /^(https?:\/\/|mailto:)[^\s]+$/i;
// Private-use characters stand for code spans and links while emphasis runs,
// so emphasis never reaches into code or a URL (`__init__.py` stays as written).
const MARK = "\uE000";
const WHITESPACE = /\s/;
const WORD = /\w/;

function anchor(url: string, labelHtml: string): string {
  return `<a href="${escapeHtml(url)}" rel="nofollow noopener noreferrer">${labelHtml}</a>`;
}

/** The index of the first character at or after `from` that ends a URL in parentheses, or -1. */
function urlEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === ")" || WHITESPACE.test(c)) return i;
  }
  return -1;
}

/** Length of a bare URL starting at `start` (up to whitespace or `<`), without trailing punctuation. */
function bareUrlLength(text: string, start: number): number {
  let end = start;
  while (end < text.length && !WHITESPACE.test(text[end] ?? "") && text[end] !== "<") end++;
  let open = 0;
  for (let i = start; i < end; i++) {
    if (text[i] === "(") open++;
    else if (text[i] === ")") open--;
  }
  // Sentence punctuation after a URL is not part of it; nor is a ")" that closes a parenthesis around it.
  while (end > start) {
    const last = text[end - 1] ?? "";
    if (".,:;!?'\"*_~".includes(last)) end--;
    else if (last === ")" && open < 0) {
      end--;
      open++;
    } else break;
  }
  return end - start;
}

function startsWithScheme(text: string, at: number, schemes: readonly string[]): boolean {
  const head = text.slice(at, at + 8).toLowerCase();
  return schemes.some((s) => head.startsWith(s));
}

/**
 * Inline rules on one line of raw text, returning HTML. Code spans and links
 * become opaque placeholders, the text between them is escaped, emphasis runs
 * over that skeleton, then the placeholders are put back. Inside a link's
 * label (`links: false`) there are no further links.
 */
function inline(raw: string, links = true): string {
  const atoms: string[] = [];
  const parts: string[] = [];
  const atom = (html: string) => {
    atoms.push(html);
    parts.push(`${MARK}${atoms.length - 1}${MARK}`);
  };
  let textStart = 0;
  const flushText = (end: number) => {
    if (end > textStart) parts.push(escapeHtml(raw.slice(textStart, end)));
  };
  // Where the next "`", "[" and "]" are, found once and reused: each search moves forward only.
  let nextTick = -2;
  let nextOpen = -2;
  let nextClose = -2;
  let urlStopFrom = -1;
  let urlStop = -2;
  const after = (cached: number, char: string, from: number) =>
    cached !== -1 && cached < from ? raw.indexOf(char, from) : cached;

  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c === "`") {
      nextTick = after(nextTick, "`", i + 1);
      if (nextTick > i + 1) {
        flushText(i);
        atom(`<code>${escapeHtml(raw.slice(i + 1, nextTick))}</code>`);
        i = nextTick + 1;
        textStart = i;
        continue;
      }
    } else if (c === "[" && links) {
      nextClose = after(nextClose, "]", i + 1);
      nextOpen = after(nextOpen, "[", i + 1);
      const close = nextClose;
      // The label runs to the first "]" and holds no "[": the nearest "[" before a "]" is its only candidate.
      if (close > i + 1 && (nextOpen === -1 || nextOpen > close) && raw[close + 1] === "(") {
        const from = close + 2;
        // Cached: every search from inside [urlStopFrom, urlStop] stops at the same place.
        if (!(urlStopFrom !== -1 && urlStopFrom <= from && (urlStop === -1 || from <= urlStop))) {
          urlStopFrom = from;
          urlStop = urlEnd(raw, from);
        }
        let end = urlStop;
        if (end > from && raw[end] === ")") {
          // Balanced parentheses belong to the URL (`javascript:alert(1)`, `wiki/Foo_(bar)`), so the
          // link ends at the ")" that closes it, never leaving "1)" behind as text. Linear: the
          // link consumes all it scans.
          let open = 0;
          for (let k = from; k < end; k++) if (raw[k] === "(") open++;
          while (open > 0 && raw[end + 1] === ")") {
            end++;
            open--;
          }
          const url = raw.slice(from, end);
          const label = inline(raw.slice(i + 1, close), false);
          flushText(i);
          atom(SAFE_URL.test(url) ? anchor(url, label) : label);
          i = end + 1;
          textStart = i;
          continue;
        }
      }
    } else if (c === "<" && links && startsWithScheme(raw, i + 1, ["http://", "https://", "mailto:"])) {
      let end = i + 1;
      while (end < raw.length && raw[end] !== ">" && raw[end] !== "<" && !WHITESPACE.test(raw[end] ?? "")) end++;
      const url = raw.slice(i + 1, end);
      if (raw[end] === ">" && SAFE_URL.test(url)) {
        flushText(i);
        atom(anchor(url, escapeHtml(url)));
        i = end + 1;
        textStart = i;
        continue;
      }
    } else if (
      (c === "h" || c === "H") &&
      links &&
      (i === 0 || !WORD.test(raw[i - 1] ?? "")) &&
      startsWithScheme(raw, i, ["http://", "https://"])
    ) {
      const length = bareUrlLength(raw, i);
      const url = raw.slice(i, i + length);
      if (SAFE_URL.test(url) && !/^https?:\/\/$/i.test(url)) {
        flushText(i);
        atom(anchor(url, escapeHtml(url)));
        i += length;
        textStart = i;
        continue;
      }
    }
    i++;
  }
  flushText(raw.length);

  // Each rule stops its scan at the next delimiter, so none backtracks over text twice.
  let html = parts.join("");
  html = wrapMatches(html, /\*\*([^*]+)\*\*/g, (m) => `<strong>${m[1]}</strong>`);
  // Underscores do not emphasise inside a word (snake_case, __init__.py), as in CommonMark.
  html = wrapMatches(html, /(^|[^_\w])__([^_]+)__(?!\w)/g, (m) => `${m[1]}<strong>${m[2]}</strong>`);
  html = wrapMatches(html, /(^|[^*\w])\*([^*\s][^*]*)\*/g, (m) => `${m[1]}<em>${m[2]}</em>`);
  html = wrapMatches(html, /(^|[^_\w])_([^_\s][^_]*)_(?!\w)/g, (m) => `${m[1]}<em>${m[2]}</em>`);
  return wrapMatches(html, new RegExp(`${MARK}(\\d+)${MARK}`, "g"), (m) => atoms[Number(m[1])] ?? "");
}

/**
 * `text.replace(pattern, …)` built from slices and joined once: V8's replace
 * slowed down more than linearly with thousands of matches (×13 time for ×4 text).
 */
function wrapMatches(text: string, pattern: RegExp, replace: (match: RegExpExecArray) => string): string {
  const out: string[] = [];
  let last = 0;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    out.push(text.slice(last, m.index), replace(m));
    last = m.index + m[0].length;
    // A zero-length match cannot happen with these patterns; guard against a loop all the same.
    if (m[0].length === 0) pattern.lastIndex++;
  }
  if (last === 0) return text;
  out.push(text.slice(last));
  return out.join("");
}

/** A heading's text without its optional closing run of `#` (which needs a space before it). */
function headingText(rest: string): string {
  let end = rest.length;
  while (end > 0 && WHITESPACE.test(rest[end - 1] ?? "")) end--;
  let hashes = end;
  while (hashes > 0 && rest[hashes - 1] === "#") hashes--;
  if (hashes < end && (hashes === 0 || WHITESPACE.test(rest[hashes - 1] ?? ""))) end = hashes;
  return rest.slice(0, end).trim();
}

type ListKind = "ul" | "ol";

/*
 * Rendered notes by their source: an app page shows up to 50 builds' notes on every view (~0.15 ms each),
 * and the same notes are shown again and again. A plain Map kept in insertion order is the LRU; 1,000
 * notes of at most 10,000 characters (lib/builds/schema.ts) bound it.
 */
const rendered = new Map<string, string>();
const RENDERED_MAX = 1000;

/** renderMarkdown, remembered for the last RENDERED_MAX sources: for pages, which show the same notes often. */
export function renderMarkdownCached(source: string): string {
  const hit = rendered.get(source);
  if (hit !== undefined) {
    rendered.delete(source);
    rendered.set(source, hit);
    return hit;
  }
  const html = renderMarkdown(source);
  if (rendered.size >= RENDERED_MAX) rendered.delete(rendered.keys().next().value as string);
  rendered.set(source, html);
  return html;
}

/** Renders Markdown `source` to HTML that contains only the whitelisted tags. */
export function renderMarkdown(source: string): string {
  const lines = source.replace(/\r\n?/g, "\n").replaceAll(MARK, "").split("\n");
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: { kind: ListKind; items: string[] } | null = null;
  let code: string[] | null = null;

  const flushParagraph = () => {
    if (paragraph.length > 0) out.push(`<p>${paragraph.map((line) => inline(line)).join("<br>")}</p>`);
    paragraph = [];
  };
  const flushList = () => {
    if (list) out.push(`<${list.kind}>${list.items.map((i) => `<li>${inline(i)}</li>`).join("")}</${list.kind}>`);
    list = null;
  };

  for (const line of lines) {
    if (code !== null) {
      if (/^\s*```/.test(line)) {
        out.push(`<pre><code>${code.join("\n")}</code></pre>`);
        code = null;
      } else {
        code.push(escapeHtml(line));
      }
      continue;
    }
    if (/^\s*```/.test(line)) {
      flushParagraph();
      flushList();
      code = [];
      continue;
    }
    // dotAll: "(.*)$" then always matches at once (a U+2028 in the line made "\s+(.*)$" backtrack).
    const heading = /^\s{0,3}(#{1,6})\s(.*)$/s.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/s.exec(line);
    const numbered = /^\s*\d{1,9}[.)]\s+(.*)$/s.exec(line);
    if (line.trim() === "") {
      flushParagraph();
      flushList();
    } else if (heading) {
      flushParagraph();
      flushList();
      // h1 is the page's own title: note headings start at h3.
      const level = Math.min(6, (heading[1]?.length ?? 1) + 2);
      out.push(`<h${level}>${inline(headingText(heading[2] ?? ""))}</h${level}>`);
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
