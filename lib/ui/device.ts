/**
 * Where is this page open? iOS installs only from Safari (or browsers that
 * hand itms-services to the system); in-app browsers swallow the link, and
 * iPadOS Safari claims to be a Mac.
 */
export type DeviceKind = "ios" | "ios-in-app" | "android" | "desktop";

const IN_APP =
  /\b(FBAN|FBAV|FB_IAB|Instagram|Line\/|MicroMessenger|WeChat|wxwork|Slack|Teams|MSTeams|LinkedInApp|Twitter|Snapchat|DingTalk|Lark|Feishu|GSA\/|Discord|Telegram|WhatsApp)\b/i;

export function classifyDevice(userAgent: string, maxTouchPoints = 0): DeviceKind {
  const iOSByName = /\b(iPhone|iPad|iPod)\b/.test(userAgent);
  // iPadOS 13+ Safari sends a Mac user agent; real Macs have no touch screen.
  const iPadAsMac = /\bMacintosh\b/.test(userAgent) && maxTouchPoints > 1;
  if (iOSByName || iPadAsMac) return IN_APP.test(userAgent) ? "ios-in-app" : "ios";
  if (/\bAndroid\b/i.test(userAgent)) return "android";
  return "desktop";
}
