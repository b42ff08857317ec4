/** Unit tests: release notes Markdown renders the whitelist and nothing else. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderMarkdown, renderMarkdownCached } from "@/lib/builds/markdown";

describe("renderMarkdown", () => {
  it("renders paragraphs, line breaks, headings, lists, code, emphasis and safe links", () => {
    const html = renderMarkdown(
      "# What's new\n\nFixes **login** and *crash*\nsecond line\n\n- one\n- `two`\n\n1. first\n2. second\n\n```\nlet a = 1 < 2;\n```\n\nSee [docs](https://example.com/a?b=1&c=2) or [mail](mailto:x@example.com).",
    );
    assert.match(html, /<h3>What&#39;s new<\/h3>/);
    assert.match(html, /<p>Fixes <strong>login<\/strong> and <em>crash<\/em><br>second line<\/p>/);
    assert.match(html, /<ul><li>one<\/li><li><code>two<\/code><\/li><\/ul>/);
    assert.match(html, /<ol><li>first<\/li><li>second<\/li><\/ol>/);
    assert.match(html, /<pre><code>let a = 1 &lt; 2;<\/code><\/pre>/);
    assert.match(html, /<a href="https:\/\/example.com\/a\?b=1&amp;c=2" rel="nofollow noopener noreferrer">docs<\/a>/);
    assert.match(html, /<a href="mailto:x@example.com"/);
  });

  it("renders <script>, raw HTML, javascript: and data: links inert", () => {
    const html = renderMarkdown(
      [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[js](JaVaScRiPt:alert(1))",
        "[data](data:text/html;base64,PHNjcmlwdD4=)",
        '[quote](https://example.com/"onmouseover="alert(1))',
        "`<b>code</b>`",
        "[entity](javascript&#58;alert(1))",
      ].join("\n\n"),
    );
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /<b>/);
    assert.doesNotMatch(html, /href="(?!https?:|mailto:)/i);
    assert.doesNotMatch(html, /href="(javascript|data)/i);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    // Attribute values cannot be closed by a quote in the URL.
    assert.doesNotMatch(html, /" onmouseover|"onmouseover/);
    // Only whitelisted tags remain.
    const tags = new Set([...html.matchAll(/<\/?([a-z0-9]+)/g)].map((m) => m[1]));
    for (const tag of tags) assert.ok(["p", "br", "a", "code", "h3", "strong", "em"].includes(tag ?? ""), `tag ${tag}`);
  });
});

describe("renderMarkdown: links, code and emphasis", () => {
  it("ends a link at the parenthesis that closes it: [x](javascript:alert(1)) is the text x", () => {
    assert.equal(renderMarkdown("A [x](javascript:alert(1)) here."), "<p>A x here.</p>");
    assert.equal(
      renderMarkdown("[Foo](https://en.wikipedia.org/wiki/Foo_(bar)) and (see [y](https://e.com/a))"),
      '<p><a href="https://en.wikipedia.org/wiki/Foo_(bar)" rel="nofollow noopener noreferrer">Foo</a> and (see <a href="https://e.com/a" rel="nofollow noopener noreferrer">y</a>)</p>',
    );
  });

  it("applies no emphasis inside link URLs, autolinks or code, nor to underscores inside a word", () => {
    const html = renderMarkdown(
      [
        "[setup](https://example.com/pkg/__init__.py) and [b](https://example.com/**x**/*y*)",
        "<https://example.com/__a__/b_c_d> or https://example.com/__init__.py, then *done*.",
        "`__init__.py` and `**kw`",
        "Edit my__init__py and snake_case_name; __bold__ stays bold",
      ].join("\n\n"),
    );
    assert.match(html, /<a href="https:\/\/example.com\/pkg\/__init__.py" [^>]*>setup<\/a>/);
    assert.match(html, /<a href="https:\/\/example.com\/\*\*x\*\*\/\*y\*" [^>]*>b<\/a>/);
    assert.match(html, /<a href="https:\/\/example.com\/__a__\/b_c_d" [^>]*>https:\/\/example.com\/__a__\/b_c_d<\/a>/);
    // A bare URL is a link; the comma after it is not part of it.
    assert.match(
      html,
      /<a href="https:\/\/example.com\/__init__.py" [^>]*>https:\/\/example.com\/__init__.py<\/a>, then <em>done<\/em>\./,
    );
    assert.match(html, /<code>__init__.py<\/code> and <code>\*\*kw<\/code>/);
    assert.match(html, /Edit my__init__py and snake_case_name; <strong>bold<\/strong> stays bold/);
    // Emphasis nowhere but where it was meant.
    assert.equal(html.match(/<strong>/g)?.length, 1);
    assert.equal(html.match(/<em>/g)?.length, 1);
  });

  it("keeps emphasis around and inside link labels, and a closing ) around a bare URL outside it", () => {
    const html = renderMarkdown("**See [the *new* docs](https://example.com/a_b)** (or https://example.com/x_(y)).");
    assert.match(
      html,
      /<strong>See <a href="https:\/\/example.com\/a_b" [^>]*>the <em>new<\/em> docs<\/a><\/strong> \(or <a href="https:\/\/example.com\/x_\(y\)" [^>]*>https:\/\/example.com\/x_\(y\)<\/a>\)\./,
    );
  });

  it("keeps headings' closing #s apart from a # that is part of the text", () => {
    assert.equal(renderMarkdown("## Release ##"), "<h4>Release</h4>");
    assert.equal(renderMarkdown("# Ported to C#"), "<h3>Ported to C#</h3>");
  });
});

/** Time per render of `text`, over `reps` renders. */
function batchTime(text: string, reps: number): number {
  const started = performance.now();
  for (let i = 0; i < reps; i++) renderMarkdown(text);
  return (performance.now() - started) / reps;
}

/**
 * How much longer 4× the input takes: near 4 when linear, 16 when quadratic.
 * Batches long enough for the clock (≥ 20 ms), the two sizes interleaved so
 * both see the same load from other processes, the best of seven each; on a
 * busy machine a measurement is retried (a quadratic rule fails every time).
 */
function growth(make: (n: number) => string, n: number): number {
  const small = make(n);
  const large = make(4 * n);
  let reps = 1;
  while (batchTime(small, reps) * reps < 20 && reps < 1 << 16) reps *= 2;
  const largeReps = Math.max(1, reps >> 2);
  batchTime(large, largeReps); // warm up the JIT on both
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3 && best >= 10; attempt++) {
    let s = Number.POSITIVE_INFINITY;
    let l = Number.POSITIVE_INFINITY;
    for (let k = 0; k < 7; k++) {
      s = Math.min(s, batchTime(small, reps));
      l = Math.min(l, batchTime(large, largeReps));
    }
    best = Math.min(best, l / s);
  }
  return best;
}

describe("renderMarkdownCached", () => {
  it("answers what renderMarkdown renders, the first time and again, for more sources than it keeps", () => {
    const sources = Array.from({ length: 1_200 }, (_, i) => `# Build ${i}\n\n- fix **${i}** <b>not html</b>`);
    for (const source of [...sources, ...sources.slice(0, 300)]) {
      assert.equal(renderMarkdownCached(source), renderMarkdown(source));
    }
    assert.match(
      renderMarkdownCached(sources[0] ?? ""),
      /^<h3>Build 0<\/h3>\n<ul><li>fix <strong>0<\/strong> &lt;b&gt;/,
    );
  });
});

describe("renderMarkdown takes time linear in its input", () => {
  const cases: [string, (n: number) => string, number][] = [
    ["10,000 vs 40,000 [", (n) => "[".repeat(n), 10_000],
    ["unclosed links [a](x…", (n) => "[a](x".repeat(n / 5), 10_000],
    ["unclosed autolinks <http://…", (n) => "<http://".repeat(n / 8), 10_000],
    ["a mix of every delimiter", (n) => "[`<*_h](".repeat(n / 8), 10_000],
    ["thousands of emphasised words", (n) => "*a ".repeat(n / 3), 10_000],
    // The old heading rule took 5.8 s for 2,000 spaces (cubic); kept small so the old code fails in seconds.
    ["a heading with a run of spaces", (n) => `# a${" ".repeat(n)}b`, 500],
  ];
  for (const [name, make, n] of cases) {
    it(name, () => {
      const ratio = growth(make, n);
      assert.ok(ratio < 10, `4× the input took ${ratio.toFixed(1)}× the time`);
    });
  }
});
