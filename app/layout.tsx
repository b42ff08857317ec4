import type { Metadata, Viewport } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { canUploadAtAll, isAdmin } from "@/lib/access/app-access";
import { currentUser } from "@/lib/auth/session";
import { env } from "@/lib/config/env";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Ferry", template: "%s · Ferry" },
  description: "Install your company's iOS apps",
  // Static files in public/ (scripts/generate-icons.ts): tab icon, iPhone home-screen icon, web app manifest.
  icons: { icon: "/favicon.ico", apple: "/apple-touch-icon.png" },
  manifest: "/manifest.webmanifest",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

// Every page depends on who is signed in; nothing is prerendered at build time.
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  const admin = isAdmin(user);
  const insecure = !env().publicUrlIsHttps;
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <div className="mx-auto flex max-w-5xl items-center gap-4 px-4 py-3">
            <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
              <span
                aria-hidden
                className="inline-block h-6 w-6 rounded-md bg-gradient-to-br from-sky-500 to-indigo-600"
              />
              Ferry
            </Link>
            {user ? (
              <nav className="ml-auto flex items-center gap-4 text-sm">
                <Link
                  href="/"
                  className="text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white"
                >
                  Apps
                </Link>
                {canUploadAtAll(user) ? (
                  <Link
                    href="/upload"
                    className="text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white"
                  >
                    Upload
                  </Link>
                ) : null}
                <Link
                  href="/devices"
                  className="text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white"
                >
                  Devices
                </Link>
                <Link
                  href="/settings/tokens"
                  className="hidden text-slate-600 hover:text-slate-900 sm:inline dark:text-slate-300 dark:hover:text-white"
                >
                  API tokens
                </Link>
                {admin ? (
                  <Link
                    href="/admin/users"
                    className="text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white"
                  >
                    Admin
                  </Link>
                ) : null}
                <span className="hidden text-slate-600 sm:inline dark:text-slate-300">{user.email}</span>
                <SignOutButton />
              </nav>
            ) : null}
          </div>
        </header>
        {admin && insecure ? (
          <div role="alert" className="border-b border-amber-300 bg-amber-50 dark:border-amber-700 dark:bg-amber-950">
            <p className="mx-auto max-w-5xl px-4 py-2 text-sm text-amber-900 dark:text-amber-100">
              <strong>iPhones will refuse to install from this server.</strong> PUBLIC_URL is{" "}
              <code className="rounded bg-amber-100 px-1 dark:bg-amber-900">{env().publicUrl}</code>; iOS installs apps
              only over https with a certificate the device trusts. Set PUBLIC_URL to your https address.
            </p>
          </div>
        ) : null}
        <main className="mx-auto max-w-5xl px-4 py-6">{children}</main>
      </body>
    </html>
  );
}
