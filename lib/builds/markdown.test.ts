/** Unit tests: release notes Markdown renders the whitelist and nothing else. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderMarkdown } from "@/lib/builds/markdown";

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
