import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyDevice, compareVersions, deviceProblems, iosVersionFromUserAgent } from "@/lib/ui/device";

const IPHONE_SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
const IPAD_AS_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15";
const SLACK_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Slack/24.06";
const WECHAT_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/en";
const TEAMS_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Teams/6.4.0";
const ANDROID =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";

test("iPhone Safari is iOS", () => assert.equal(classifyDevice(IPHONE_SAFARI, 5), "ios"));
test("iPadOS Safari reporting a Mac is iOS when it has touch points", () => {
  assert.equal(classifyDevice(IPAD_AS_MAC, 5), "ios");
  assert.equal(classifyDevice(IPAD_AS_MAC, 0), "desktop");
});
test("in-app browsers on iOS are detected", () => {
  for (const ua of [SLACK_IOS, WECHAT_IOS, TEAMS_IOS]) assert.equal(classifyDevice(ua, 5), "ios-in-app", ua);
});
test("Android is not iOS", () => assert.equal(classifyDevice(ANDROID, 5), "android"));

test("iOS version from the user agent", () => {
  assert.equal(iosVersionFromUserAgent(IPHONE_SAFARI), "18.0");
  assert.equal(
    iosVersionFromUserAgent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15"),
    "17.4.1",
  );
  assert.equal(
    iosVersionFromUserAgent("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"),
    "16.6",
  );
  assert.equal(iosVersionFromUserAgent(IPAD_AS_MAC), null);
  assert.equal(iosVersionFromUserAgent(ANDROID), null);
});

test("versions compare numerically", () => {
  assert.equal(compareVersions("9.3", "17.0"), -1);
  assert.equal(compareVersions("17.4", "17.4.0"), 0);
  assert.equal(compareVersions("18.0", "17.10"), 1);
});

test("device problems: iPad-only build on an iPhone, iOS older than the minimum", () => {
  const ipadOnly = { deviceFamily: [2], minimumOsVersion: "9.3" };
  assert.deepEqual(
    deviceProblems(ipadOnly, IPHONE_SAFARI).map((p) => p.code),
    ["ipad_only"],
  );
  assert.deepEqual(deviceProblems(ipadOnly, IPAD_AS_MAC), []);
  assert.deepEqual(deviceProblems({ deviceFamily: [1], minimumOsVersion: "9.3" }, IPHONE_SAFARI), []);
  const tooNew = deviceProblems({ deviceFamily: [1, 2], minimumOsVersion: "18.2" }, SLACK_IOS);
  assert.deepEqual(
    tooNew.map((p) => p.code),
    ["ios_too_old"],
  );
  assert.match(tooNew[0]?.message ?? "", /iOS 18\.2.*iOS 17\.5/);
  // iPhone-only builds run on iPads too.
  assert.deepEqual(
    deviceProblems(
      { deviceFamily: [1], minimumOsVersion: null },
      "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    ),
    [],
  );
});

const INSTAGRAM_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 330.0.0.0.0 (iPhone15,4; iOS 17_5; en_US; en; scale=3.00; 1179x2556; 600000000)";
const FACEBOOK_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/21F79 [FBAN/FBIOS;FBAV/470.0.0.40.92;FBBV/600000000;FBDV/iPhone15,4;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]";
const LINKEDIN_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.29.8";
const LINE_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/14.8.0";
const GOOGLE_APP_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/330.0.660348389 Mobile/15E148 Safari/604.1";
const WHATSAPP_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 WhatsApp/24.10.0";
/** An app showing a page in its own WKWebView: WebKit's user agent, no "Safari/" token and no app name. */
const PLAIN_WKWEBVIEW =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
const IPAD_WKWEBVIEW =
  "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
const IPAD_AS_MAC_WKWEBVIEW =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)";
const CHROME_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1";
const FIREFOX_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15";
const EDGE_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/126.2592.56 Mobile/15E148 Safari/605.1.15";
const MAC_SAFARI =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

test("known in-app browsers are in-app even when they carry Safari's token", () => {
  for (const ua of [INSTAGRAM_IOS, FACEBOOK_IOS, LINKEDIN_IOS, LINE_IOS, GOOGLE_APP_IOS, WHATSAPP_IOS]) {
    assert.equal(classifyDevice(ua, 5), "ios-in-app", ua);
  }
});

test("a plain WKWebView (no Safari token, no app name) is an in-app browser, on iPhone and iPad", () => {
  assert.equal(classifyDevice(PLAIN_WKWEBVIEW, 5), "ios-in-app");
  assert.equal(classifyDevice(IPAD_WKWEBVIEW, 5), "ios-in-app");
  // An iPad app's web view in desktop mode: Mac user agent, touch points, no Safari token.
  assert.equal(classifyDevice(IPAD_AS_MAC_WKWEBVIEW, 5), "ios-in-app");
  // Without touch points it is a Mac (a Mac app's web view): nothing to install there anyway.
  assert.equal(classifyDevice(IPAD_AS_MAC_WKWEBVIEW, 0), "desktop");
});

test("Safari and the other iOS browsers (which hand the install link to iOS) are not in-app", () => {
  for (const ua of [IPHONE_SAFARI, CHROME_IOS, FIREFOX_IOS, EDGE_IOS]) assert.equal(classifyDevice(ua, 5), "ios", ua);
  assert.equal(classifyDevice(MAC_SAFARI, 0), "desktop");
});
