import type { Metadata, Viewport } from "next";
import { cookies } from "next/headers";
import type { ReactNode } from "react";
import { HydrationMarker } from "@/components/layout/hydration-marker";
import { siteHeaderProps } from "@/components/layout/shell-props";
import { BODY_CLASS, MAIN_CLASS, SiteHeader } from "@/components/layout/site-header";
import { currentUser } from "@/lib/auth/session";
import { SITE } from "@/lib/ui/site";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: SITE.name, template: `%s · ${SITE.name}` },
  description: SITE.description,
  icons: { icon: SITE.icon, apple: SITE.appleIcon },
  manifest: SITE.manifest,
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

// Every page depends on who is signed in; nothing is prerendered at build time.
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const jar = await cookies();
  const header = siteHeaderProps(await currentUser(), (name) => jar.get(name)?.value);
  return (
    <html lang="en">
      <body className={BODY_CLASS}>
        <SiteHeader {...header} />
        <main className={MAIN_CLASS}>{children}</main>
        <HydrationMarker />
      </body>
    </html>
  );
}
