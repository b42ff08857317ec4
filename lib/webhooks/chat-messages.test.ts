/** Slack and Teams messages: what an uploaded Info.plist says is text, never markup. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeSlack, escapeTeams, slackText, teamsCard } from "@/lib/webhooks/chat-messages";
import { deliveryBody, type WebhookPayload } from "@/lib/webhooks/deliveries";

// The display name from issue 20.
const HOSTILE = "<!channel> *URGENT* <https://evil.example|Re-verify your login>";

function payload(name: string, extra: Partial<WebhookPayload["build"]> = {}): WebhookPayload {
  return {
    event: "build.created",
    app: { id: "a1", name, bundleId: "com.example.app" },
    build: { id: "b1", version: "1.0", buildNumber: "7", channel: "beta", ...extra },
    pageUrl: "https://ferry.example.com/apps/a1/builds/b1",
    channelLatestUrl: "https://ferry.example.com/apps/a1/channels/beta",
    occurredAt: "2026-12-06T12:00:00.000Z",
  };
}

/** Slack's `<…>` constructs in a text: mentions, links, commands. */
const slackAngles = (text: string) => text.match(/<[^<>]*>/g) ?? [];

test("Slack: the issue's display name pings no one and hides no link", () => {
  const text = slackText(payload(HOSTILE));
  assert.deepEqual(slackAngles(text), [
    "<https://ferry.example.com/apps/a1/builds/b1|open the build>",
    "<https://ferry.example.com/apps/a1/channels/beta|latest in beta>",
  ]);
  assert.ok(text.startsWith("*&lt;!channel&gt; *URGENT* &lt;https://evil.example|Re-verify your login&gt;* 1.0 (7)"));
});

test("Slack: every interpolated field is escaped, & first and newlines flattened", () => {
  const text = slackText(
    payload("A & B", { version: "<!here>", buildNumber: "<@U123>\n<!everyone>", channel: "<b|c>" }),
  );
  assert.deepEqual(slackAngles(text).length, 2, "only Ferry's two links");
  assert.ok(text.startsWith("*A &amp; B* &lt;!here&gt; (&lt;@U123&gt; &lt;!everyone&gt;) uploaded to *&lt;b|c&gt;*"));
  assert.ok(!text.includes("\n"));
  assert.equal(escapeSlack("&lt;"), "&amp;lt;", "an entity typed in a name stays text");
});

test("Teams: no Markdown link, image, emphasis, HTML or mention can come from a field", () => {
  const card = teamsCard(
    payload(`${HOSTILE} [Re-verify](https://evil.example) ![x](https://evil.example/x.png) <at>all</at> _i_ \`c\``),
  );
  const text = card.text ?? "";
  // Ferry's own two links are the only Markdown links, and no raw markup character of the name is left.
  assert.deepEqual(text.match(/\]\(/g)?.length, 2);
  assert.ok(!/evil\.example\)/.test(text));
  assert.ok(!/[<>*_`[\]|!]/.test(text.slice(2, text.indexOf("** 1.0"))), "the name has no markup characters");
  assert.ok(text.startsWith("**&lt;&#33;channel&gt; &#42;URGENT&#42; &lt;https://evil.example&#124;Re-verify"));
  assert.equal(card.summary, "New build on Ferry", "the notification preview carries no field");
  assert.equal(escapeTeams("Acme (Beta) 2.0-rc"), "Acme &#40;Beta&#41; 2.0-rc", "ordinary names stay readable");
});

test("the bodies: slack is { text }, teams a MessageCard, json the payload as is", () => {
  const p = payload(HOSTILE);
  assert.deepEqual(Object.keys(JSON.parse(deliveryBody(p, "slack"))), ["text"]);
  assert.equal(JSON.parse(deliveryBody(p, "teams"))["@type"], "MessageCard");
  assert.equal(JSON.parse(deliveryBody(p, "json")).app.name, HOSTILE, "json receivers get the data unchanged");
});
