/** What a copy button says after a click. */
export const COPY_LABELS = { copied: "Copied", failed: "Select and copy" } as const;

/**
 * Copies `text` to the clipboard: the async clipboard API where the page is a
 * secure context, else a hidden textarea and execCommand (plain-http servers,
 * older WebViews). False when the browser refused both.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  } catch {
    return false;
  }
}
