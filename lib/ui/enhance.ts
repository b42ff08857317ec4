/**
 * Progressive enhancement of server-rendered HTML that works without it, for
 * the pages served without the React runtime (the install and channel pages,
 * under pages/): their only script is `enhance` (page-script.ts, bundled to
 * public/page-script.js). The client components that render the same markup
 * on the App Router pages call the same functions.
 */
import { COPY_LABELS, copyText } from "@/lib/ui/clipboard";
import { classifyDevice, type DeviceKind } from "@/lib/ui/device";
import { localTimeLabels } from "@/lib/ui/format";

/** Re-mint this long before an install link expires: iOS fetches the manifest and the .ipa after the tap. */
const FRESH_LINK_MARGIN_MS = 2 * 60 * 1000;

/** Whether a tap on an install link expiring at `expiresAt` must go through its re-mint route instead. */
export function needsFreshLink(expiresAt: string, now: number): boolean {
  return now >= Date.parse(expiresAt) - FRESH_LINK_MARGIN_MS;
}

/**
 * The browser's reading of the device (touch points tell an iPad posing as a Mac):
 * page roots' data-device follow it, which switches the primary action (on-ios /
 * off-ios in globals.css).
 */
export function applyDeviceKind(root: ParentNode, kind: DeviceKind): void {
  for (const el of root.querySelectorAll<HTMLElement>("[data-device]")) el.dataset.device = kind;
}

/** Local times, the device refinement, stale install links and copy buttons of a runtime-less page. */
export function enhance(doc: Document): void {
  const kind = classifyDevice(navigator.userAgent, navigator.maxTouchPoints);
  applyDeviceKind(doc, kind);
  // InstallGuidance's hint for the device the server guessed from the user agent, when that was wrong.
  for (const el of doc.querySelectorAll<HTMLElement>("[data-guidance]")) {
    if (el.dataset.guidance !== kind) el.remove();
  }
  const now = new Date();
  for (const el of doc.querySelectorAll<HTMLTimeElement>("time[data-local-time]")) {
    const local = localTimeLabels(el.dateTime, now);
    el.textContent = local.relative;
    el.title = local.absolute;
  }
  doc.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const link = target?.closest<HTMLAnchorElement>("a[data-fresh-href]");
    if (link?.dataset.expiresAt && needsFreshLink(link.dataset.expiresAt, Date.now())) {
      event.preventDefault();
      window.location.assign(link.dataset.freshHref ?? link.href);
      return;
    }
    const button = target?.closest<HTMLButtonElement>("button[data-copy]");
    if (button) void copyFrom(button);
  });
  // Plain-post forms (components/ui/post-form.tsx): their confirmation, and no second post while one is sent.
  doc.addEventListener("submit", (event) => {
    const form = event.target instanceof HTMLFormElement ? event.target : null;
    if (!form) return;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.dataset.sending !== undefined) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "";
    for (const button of form.querySelectorAll<HTMLButtonElement>('button[type="submit"]')) button.ariaBusy = "true";
  });
  // A page restored from the back/forward cache may hold a form marked as sending.
  window.addEventListener("pageshow", () => {
    for (const form of doc.querySelectorAll<HTMLFormElement>("form[data-sending]")) delete form.dataset.sending;
  });
  // Done: what the browser tests wait for instead of React's hydration.
  doc.documentElement.dataset.enhanced = "";
}

async function copyFrom(button: HTMLButtonElement): Promise<void> {
  const text = button.dataset.copy ?? "";
  // The label's own element (CopyButton's aria-live span) when there is one.
  const slot = button.firstElementChild ?? button;
  const label = slot.textContent;
  if (await copyText(text)) {
    slot.textContent = COPY_LABELS.copied;
  } else {
    slot.textContent = COPY_LABELS.failed;
    window.prompt("Copy this link:", text);
  }
  setTimeout(() => {
    slot.textContent = label;
  }, 2000);
}
