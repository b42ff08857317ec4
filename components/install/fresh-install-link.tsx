"use client";

import type { ReactNode } from "react";

/** Re-mint this long before the link expires: iOS fetches the manifest and the .ipa after the tap. */
const MARGIN_MS = 2 * 60 * 1000;

/**
 * The Install link: the itms-services URL minted with the page (works without
 * JavaScript and is what the QR code encodes). A tab left open until the link
 * is about to expire sends the tap through `freshHref` instead, which mints a
 * new link for the signed-in user and redirects to it, so an Install tap never
 * uses an expired token.
 */
export function FreshInstallLink({
  href,
  freshHref,
  expiresAt,
  className,
  testId,
  children,
}: {
  href: string;
  freshHref: string;
  expiresAt: string;
  className?: string;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <a
      href={href}
      data-testid={testId}
      data-expires-at={expiresAt}
      className={className}
      onClick={(event) => {
        if (Date.now() < Date.parse(expiresAt) - MARGIN_MS) return;
        event.preventDefault();
        window.location.assign(freshHref);
      }}
    >
      {children}
    </a>
  );
}
