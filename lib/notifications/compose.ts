import { escapeHtml, renderMarkdown } from "@/lib/builds/markdown";
import { buildPageUrl } from "@/lib/install-links/urls";
import { unsubscribeToken } from "@/lib/notifications/unsubscribe-token";

/**
 * The email about new builds: plain text and HTML, each build with its app,
 * version, channel, release notes (Markdown through the pages' own safe
 * renderer) and a link to its page. Never an install link: those carry
 * credentials and the page mints a fresh one when its reader taps Install.
 */

export type MailBuild = {
  id: string;
  appId: string;
  appName: string;
  version: string;
  buildNumber: string;
  channel: string;
  notes: string | null;
};

export type MailWatch = { id: string; appId: string; appName: string; channel: string | null };

export type ComposedMail = {
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
};

/** Where the email's links point: the confirm page (links in the body) and the one-click POST target (the header). */
export function unsubscribePageUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/unsubscribe?token=${encodeURIComponent(token)}`;
}

export function oneClickUnsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/api/v1/notifications/unsubscribe?token=${encodeURIComponent(token)}`;
}

function label(build: MailBuild): string {
  return `${build.appName} ${build.version} (${build.buildNumber})`;
}

function watchLabel(watch: MailWatch): string {
  return watch.channel ? `${watch.appName}, channel ${watch.channel}` : watch.appName;
}

export function composeMail(input: {
  publicUrl: string;
  userId: string;
  builds: readonly MailBuild[];
  watches: readonly MailWatch[];
}): ComposedMail {
  const { publicUrl, builds, watches } = input;
  const first = builds[0];
  if (!first) throw new Error("an email needs at least one build");
  const subject =
    builds.length === 1
      ? `${label(first)} is available`
      : `${builds.length} new builds: ${builds.map((b) => `${b.appName} ${b.version}`).join(", ")}`.slice(0, 180);
  const allToken = unsubscribeToken({ userId: input.userId, watchId: "all" });
  const stopAll = unsubscribePageUrl(publicUrl, allToken);
  const perWatch = watches.map((w) => ({
    watch: w,
    url: unsubscribePageUrl(publicUrl, unsubscribeToken({ userId: input.userId, watchId: w.id })),
  }));

  const text = [
    builds.length === 1 ? "A new build is available:" : `${builds.length} new builds are available:`,
    "",
    ...builds.flatMap((b) => [
      `${label(b)}, channel ${b.channel}`,
      ...(b.notes?.trim() ? ["", b.notes.trim()] : []),
      "",
      `Open it: ${buildPageUrl(publicUrl, b.appId, b.id)}`,
      "",
    ]),
    "You get this email because you watch these on Ferry.",
    ...perWatch.map(({ watch, url }) => `Stop watching ${watchLabel(watch)}: ${url}`),
    `Stop all emails from Ferry: ${stopAll}`,
    "",
  ].join("\n");

  const html = [
    '<!doctype html><html><body style="font-family: -apple-system, Segoe UI, sans-serif; line-height: 1.5">',
    `<p>${builds.length === 1 ? "A new build is available:" : `${builds.length} new builds are available:`}</p>`,
    ...builds.map(
      (b) =>
        `<h2 style="font-size: 1.1em; margin-bottom: 0">${escapeHtml(label(b))}</h2>` +
        `<p style="margin-top: 0; color: #555">Channel ${escapeHtml(b.channel)}</p>` +
        (b.notes?.trim() ? `<div>${renderMarkdown(b.notes)}</div>` : "") +
        `<p><a href="${escapeHtml(buildPageUrl(publicUrl, b.appId, b.id))}">Open ${escapeHtml(b.appName)} ${escapeHtml(b.version)} on Ferry</a></p>`,
    ),
    '<hr><p style="font-size: 0.9em; color: #555">You get this email because you watch these on Ferry. ',
    ...perWatch.map(
      ({ watch, url }) => `<a href="${escapeHtml(url)}">Stop watching ${escapeHtml(watchLabel(watch))}</a> · `,
    ),
    `<a href="${escapeHtml(stopAll)}">Stop all emails from Ferry</a></p>`,
    "</body></html>",
  ].join("\n");

  return {
    subject,
    text,
    html,
    headers: {
      // RFC 8058: mail clients offer "Unsubscribe" and POST `List-Unsubscribe=One-Click` to this URL, no sign-in.
      "List-Unsubscribe": `<${oneClickUnsubscribeUrl(publicUrl, allToken)}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "Auto-Submitted": "auto-generated",
    },
  };
}
