"use client";

import type { ReactNode } from "react";
import { needsFreshLink } from "@/lib/ui/enhance";

/**
 * The Install link: the itms-services URL minted with the page (works without
 * JavaScript and is what the QR code encodes). A tab left open until the link
 * is about to expire sends the tap through `freshHref` instead, which mints a
 * new link for the signed-in user and redirects to it, so an Install tap never
 * uses an expired token. On the pages without the React runtime,
 * public/page-script.js does the same from data-fresh-href and data-expires-at.
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
      data-fresh-href={freshHref}
      className={className}
      onClick={(event) => {
        if (!needsFreshLink(expiresAt, Date.now())) return;
        event.preventDefault();
        window.location.assign(freshHref);
      }}
    >
      {children}
    </a>
  );
}
