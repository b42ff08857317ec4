"use client";

import { useEffect, useState } from "react";
import { copyText } from "@/lib/ui/clipboard";
import { classifyDevice, type DeviceKind } from "@/lib/ui/device";
import { applyDeviceKind } from "@/lib/ui/enhance";

/**
 * Tells people on the wrong device or inside an in-app browser what to do
 * instead. `initialKind` is the server's reading of the user agent, so the
 * hint is there without JavaScript; in the browser the touch points refine it
 * (iPadOS Safari poses as a Mac) and the page root's data-device follows, which
 * switches the primary action (see the on-ios / off-ios variants in globals.css).
 * On the pages without the React runtime public/page-script.js does that
 * refinement (data-guidance) and wires the copy button (data-copy).
 */
export function InstallGuidance({
  pageUrl,
  initialKind,
  desktopHint,
}: {
  /** This page's own address (what "Copy link" copies, to open the same page in Safari). */
  pageUrl: string;
  initialKind: DeviceKind;
  /** What a desktop reader is told; by default, to scan the QR code or open the page on the phone. */
  desktopHint?: string;
}) {
  const [kind, setKind] = useState<DeviceKind>(initialKind);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    const actual = classifyDevice(navigator.userAgent, navigator.maxTouchPoints);
    setKind(actual);
    applyDeviceKind(document, actual);
  }, []);

  async function copy() {
    if (await copyText(pageUrl)) setCopied(true);
    else window.prompt("Copy this link and open it in Safari:", pageUrl);
  }

  if (kind === "ios") return null;
  if (kind === "ios-in-app") {
    return (
      <div
        role="status"
        data-testid="in-app-warning"
        data-guidance={kind}
        className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
      >
        <p className="font-semibold">Open this page in Safari: in-app browsers can&apos;t install apps.</p>
        <p className="mt-1">
          Tap the ••• or share menu and choose &quot;Open in Safari&quot;, or copy the link and paste it into
          Safari&apos;s address bar.
        </p>
        {/* The page's main action here: Install steps back (INSTALL_BUTTON's in-app look). */}
        <button
          type="button"
          data-copy={pageUrl}
          data-testid="in-app-copy-link"
          onClick={() => void copy()}
          className="mt-3 inline-flex w-full items-center justify-center rounded-lg bg-amber-900 px-5 py-3 text-base font-semibold text-white shadow-sm hover:bg-amber-950 sm:w-auto dark:bg-amber-200 dark:text-amber-950 dark:hover:bg-amber-100"
        >
          <span aria-live="polite">{copied ? "Link copied" : "Copy link"}</span>
        </button>
      </div>
    );
  }
  return (
    <p data-testid="desktop-hint" data-guidance={kind} className="text-sm text-slate-600 dark:text-slate-300">
      {kind === "android"
        ? "These are iOS apps: open this page on an iPhone or iPad."
        : (desktopHint ??
          "On your iPhone or iPad, scan the QR code with the Camera app, or open this page there and tap Install.")}
    </p>
  );
}
