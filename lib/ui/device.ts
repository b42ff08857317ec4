/**
 * Where is this page open? iOS installs only from Safari (or browsers that
 * hand itms-services to the system); in-app browsers swallow the link, and
 * iPadOS Safari claims to be a Mac.
 */
export type DeviceKind = "ios" | "ios-in-app" | "android" | "desktop";

/** Apps whose built-in browser names itself in the user agent. */
const IN_APP =
  /\b(FBAN|FBAV|FB_IAB|FBIOS|Instagram|Line\/|MicroMessenger|WeChat|wxwork|Slack|Teams|MSTeams|LinkedInApp|Twitter|Snapchat|DingTalk|Lark|Feishu|GSA\/|Discord|Telegram|WhatsApp|Pinterest|musical_ly|BytedanceWebview|Reddit)\b/i;

/**
 * Browsers on iOS that hand itms-services links to the system like Safari
 * does: they all carry the "Safari/" token. A plain WKWebView (an app showing
 * a page itself: mail clients, chat apps, QR scanners) sends WebKit's user
 * agent without it, and swallows the install link.
 */
const HAS_SAFARI_TOKEN = /\bSafari\/\d/;

export function classifyDevice(userAgent: string, maxTouchPoints = 0): DeviceKind {
  const iOSByName = /\b(iPhone|iPad|iPod)\b/.test(userAgent);
  // iPadOS 13+ Safari sends a Mac user agent; real Macs have no touch screen.
  const iPadAsMac = /\bMacintosh\b/.test(userAgent) && maxTouchPoints > 1;
  if (iOSByName || iPadAsMac) return isInAppBrowser(userAgent) ? "ios-in-app" : "ios";
  if (/\bAndroid\b/i.test(userAgent)) return "android";
  return "desktop";
}

/** An app's built-in browser (named, or a WebKit view without Safari's token): it cannot install apps. */
function isInAppBrowser(userAgent: string): boolean {
  if (IN_APP.test(userAgent)) return true;
  return /\bAppleWebKit\//.test(userAgent) && !HAS_SAFARI_TOKEN.test(userAgent);
}

/** Which Apple device the user agent names; a Mac may be an iPad in desktop mode (only touch points tell). */
export function appleModel(userAgent: string): "iphone" | "ipad" | "mac" | null {
  if (/\b(iPhone|iPod)\b/.test(userAgent)) return "iphone";
  if (/\biPad\b/.test(userAgent)) return "ipad";
  if (/\bMacintosh\b/.test(userAgent)) return "mac";
  return null;
}

/** The iOS version in an iPhone/iPad user agent ("CPU iPhone OS 17_4 like Mac OS X" → "17.4"), or null. */
export function iosVersionFromUserAgent(userAgent: string): string | null {
  const match = /\b(?:iPhone|CPU) OS (\d+)(?:_(\d+))?(?:_(\d+))?\b/.exec(userAgent);
  if (!match || !/\b(iPhone|iPad|iPod)\b/.test(userAgent)) return null;
  return [match[1], match[2], match[3]].filter((part) => part !== undefined).join(".");
}

/** Compares dotted versions numerically ("9.3" < "17.0" < "17.0.1"); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(".").map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export type DeviceProblem = { code: "ipad_only" | "ios_too_old"; message: string };

/** UIDeviceFamily values: 1 iPhone/iPod, 2 iPad. */
const IPHONE = 1;
const IPAD = 2;

/**
 * Why this device cannot run a build, as far as its user agent tells: an
 * iPad-only build on an iPhone (iPhone-only builds do run on iPads), or an iOS older than the build's minimum.
 * The user agent can lie (iOS freezes its version in Safari's UA, iPadOS
 * poses as a Mac), so this informs; it never blocks.
 */
export function deviceProblems(
  build: { deviceFamily: readonly number[]; minimumOsVersion: string | null },
  userAgent: string,
): DeviceProblem[] {
  const problems: DeviceProblem[] = [];
  const model = appleModel(userAgent);
  const families = build.deviceFamily;
  if (model === "iphone" && families.length > 0 && !families.includes(IPHONE) && families.includes(IPAD)) {
    problems.push({
      code: "ipad_only",
      message: "This version is made for iPad only: it cannot be installed on an iPhone. Open this page on an iPad.",
    });
  }
  const ios = iosVersionFromUserAgent(userAgent);
  if (ios && build.minimumOsVersion && compareVersions(ios, build.minimumOsVersion) < 0) {
    problems.push({
      code: "ios_too_old",
      message: `This version needs iOS ${build.minimumOsVersion} or later; this device reports iOS ${ios}. Update it in Settings › General › Software Update first.`,
    });
  }
  return problems;
}
