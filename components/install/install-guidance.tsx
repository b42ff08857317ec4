"use client";

import { useEffect, useState } from "react";
import { classifyDevice, type DeviceKind } from "@/lib/ui/device";

/** Tells people on the wrong device or inside an in-app browser what to do instead. */
export function InstallGuidance({ pageUrl }: { pageUrl: string }) {
  const [kind, setKind] = useState<DeviceKind | null>(null);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    setKind(classifyDevice(navigator.userAgent, navigator.maxTouchPoints));
  }, []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(pageUrl);
      setCopied(true);
    } catch {
      window.prompt("Copy this link and open it in Safari:", pageUrl);
    }
  }

  if (kind === null || kind === "ios") return null;
  if (kind === "ios-in-app") {
    return (
      <div
        role="status"
        data-testid="in-app-warning"
        className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900"
      >
        <p className="font-medium">Open this page in Safari to install.</p>
        <p className="mt-1">
          This app&apos;s built-in browser can&apos;t install apps. Tap the ••• or share menu and choose &quot;Open in
          Safari&quot;, or copy the link and paste it into Safari.
        </p>
        <button
          type="button"
          onClick={() => void copy()}
          className="mt-2 rounded-md bg-amber-900 px-3 py-1.5 text-white"
        >
          {copied ? "Link copied" : "Copy link"}
        </button>
      </div>
    );
  }
  return (
    <p data-testid="desktop-hint" className="text-sm text-slate-600">
      {kind === "android"
        ? "These are iOS apps: open this page on an iPhone or iPad."
        : "On your iPhone or iPad, scan the QR code with the Camera app, or open this page there and tap Install."}
    </p>
  );
}
