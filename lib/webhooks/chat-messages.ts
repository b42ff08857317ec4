import type { WebhookPayload } from "@/lib/webhooks/deliveries";

/**
 * The chat messages of the `slack` and `teams` formats. Every interpolated field
 * (app name, version, build number, channel) comes from an uploaded Info.plist
 * or a request, so it is escaped for the chat's markup: a display name must not
 * ping a channel, hide a link or break out of the sentence. The links are
 * Ferry's own URLs (PUBLIC_URL, ids and channel names, which allow no markup
 * characters).
 */

// Control characters (newlines included) become one space: a field cannot start a line of its own.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters we replace
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * Slack mrkdwn: `&`, `<` and `>` are the characters Slack says to escape; with
 * them escaped no mention (`<!channel>`, `<@U…>`) or link (`<url|text>`) can be
 * formed. Slack has no escape for `*`, `_`, `~` and `` ` ``: they can only change
 * emphasis, which the message frames anyway.
 */
export function escapeSlack(text: string): string {
  return text.replace(CONTROL, " ").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const TEAMS_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/**
 * Teams MessageCard text (Markdown and a little HTML): `&`, `<`, `>` as HTML
 * entities (no tags, no `<at>` mentions, no autolinks) and the Markdown
 * characters that make links, images, emphasis, code and tables as numeric
 * character references, which Markdown renders as the plain character.
 */
export function escapeTeams(text: string): string {
  return text
    .replace(CONTROL, " ")
    .replace(/[&<>\\`*_~[\]()!|#]/g, (c) => TEAMS_ENTITIES[c] ?? `&#${c.charCodeAt(0)};`);
}

function action(payload: WebhookPayload): string {
  if (payload.event === "build.promoted") return "promoted to";
  return payload.event === "build.resigned" ? "re-signed in" : "uploaded to";
}

/** The text of the Slack message. */
export function slackText(payload: WebhookPayload): string {
  const name = escapeSlack(payload.app.name);
  const version = escapeSlack(payload.build.version);
  const buildNumber = escapeSlack(payload.build.buildNumber);
  const channel = escapeSlack(payload.build.channel);
  return `*${name}* ${version} (${buildNumber}) ${action(payload)} *${channel}*: <${payload.pageUrl}|open the build> · <${payload.channelLatestUrl}|latest in ${channel}>`;
}

/** The Microsoft Teams message (a MessageCard, which Teams incoming webhooks accept). */
export function teamsCard(payload: WebhookPayload): Record<string, string> {
  const name = escapeTeams(payload.app.name);
  const version = escapeTeams(payload.build.version);
  const buildNumber = escapeTeams(payload.build.buildNumber);
  const channel = escapeTeams(payload.build.channel);
  return {
    "@type": "MessageCard",
    "@context": "https://schema.org/extensions",
    // Shown in notifications as is: no field of the build in it.
    summary: "New build on Ferry",
    text: `**${name}** ${version} (${buildNumber}) ${action(payload)} **${channel}**: [open the build](${payload.pageUrl}) · [latest in ${channel}](${payload.channelLatestUrl})`,
  };
}
