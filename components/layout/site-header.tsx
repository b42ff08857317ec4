import Link from "next/link";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { can } from "@/lib/access/policy";
import type { UserDto } from "@/lib/users/data";

/** What every page's <body> carries, on both routers (app/layout.tsx, pages/_document.tsx). */
export const BODY_CLASS = "min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100";
export const MAIN_CLASS = "mx-auto max-w-5xl px-4 py-6";

type Props = {
  user: UserDto | null;
  /** next-auth's CSRF token (from its cookie): lets Sign out post without JavaScript. */
  csrfToken: string | null;
  /** PUBLIC_URL when it is not https and the reader is an admin. */
  insecurePublicUrl: string | null;
};

/**
 * The header of every page, and admins' warning about a non-https PUBLIC_URL:
 * rendered by the App Router's layout and by the runtime-less pages under pages/
 * (so it imports no server module: siteHeaderProps computes its props).
 */
export function SiteHeader({ user, csrfToken, insecurePublicUrl }: Props) {
  const admin = can(user, "admin.open");
  return (
    <>
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="mx-auto flex max-w-5xl items-center gap-4 px-4 py-3">
          {/* The apps list is a page without the React runtime (pages/index.tsx): plain links, no RSC prefetch. */}
          <a href="/" className="flex items-center gap-2 font-semibold tracking-tight">
            <span
              aria-hidden
              className="inline-block h-6 w-6 rounded-md bg-gradient-to-br from-sky-500 to-indigo-600"
            />
            Ferry
          </a>
          {user ? (
            <nav className="ml-auto flex min-w-0 flex-wrap items-center justify-end gap-x-4 gap-y-1 text-sm">
              <a href="/" className="text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white">
                Apps
              </a>
              {can(user, "build.upload") ? (
                <Link
                  href="/upload"
                  className="text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white"
                >
                  Upload
                </Link>
              ) : null}
              {/* A page without the React runtime (pages/devices): a plain link, no App Router prefetch. */}
              <a
                href="/devices"
                className="text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white"
              >
                Devices
              </a>
              <Link
                href="/settings/tokens"
                className="hidden text-slate-600 hover:text-slate-900 sm:inline dark:text-slate-300 dark:hover:text-white"
              >
                API tokens
              </Link>
              {admin ? (
                // A plain link: admin Users is a page without the React runtime (see the Devices link).
                <a
                  href="/admin/users"
                  className="text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white"
                >
                  Admin
                </a>
              ) : null}
              <span className="hidden text-slate-600 sm:inline dark:text-slate-300">{user.email}</span>
              <SignOutButton csrfToken={csrfToken} />
            </nav>
          ) : null}
        </div>
      </header>
      {insecurePublicUrl ? (
        <div role="alert" className="border-b border-amber-300 bg-amber-50 dark:border-amber-700 dark:bg-amber-950">
          <p className="mx-auto max-w-5xl px-4 py-2 text-sm text-amber-900 dark:text-amber-100">
            <strong>iPhones will refuse to install from this server.</strong> PUBLIC_URL is{" "}
            <code className="rounded bg-amber-100 px-1 dark:bg-amber-900">{insecurePublicUrl}</code>; iOS installs apps
            only over https with a certificate the device trusts. Set PUBLIC_URL to your https address.
          </p>
        </div>
      ) : null}
    </>
  );
}
