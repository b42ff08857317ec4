import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyDevice } from "@/lib/ui/device";

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
