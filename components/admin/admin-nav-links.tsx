import Link from "next/link";

/** `lite`: a page without the React runtime (pages/), reached by a plain link (docs/architecture.md). */
const LINKS = [
  { href: "/admin/users", label: "Users", lite: true },
  { href: "/admin/groups", label: "Groups", lite: true },
  { href: "/admin/apps", label: "Apps", lite: true },
  { href: "/admin/devices", label: "Devices", lite: true },
  { href: "/admin/signing", label: "Signing" },
  { href: "/admin/jobs", label: "Jobs" },
  { href: "/admin/audit", label: "Audit log", lite: true },
  { href: "/admin/settings", label: "Settings" },
] as const;

/**
 * The admin section's tabs, for the page at `pathname`. The App Router's `Link`
 * prefetches its target as an RSC request, which a Pages Router page never
 * answers (the request stays open): those tabs are plain links.
 */
export function AdminNavLinks({ pathname }: { pathname: string }) {
  return (
    <nav
      aria-label="Admin"
      className="mb-6 flex flex-wrap gap-1 border-b border-slate-200 dark:border-slate-700"
      data-testid="admin-nav"
    >
      {LINKS.map((link) => {
        const active = pathname === link.href || pathname.startsWith(`${link.href}/`);
        const props = {
          href: link.href,
          "aria-current": active ? ("page" as const) : undefined,
          className: `-mb-px border-b-2 px-3 py-2 text-sm font-medium ${
            active
              ? "border-sky-600 text-slate-900 dark:text-slate-100"
              : "border-transparent text-slate-500 hover:text-slate-900 dark:text-slate-400 dark:hover:text-white"
          }`,
        };
        return "lite" in link ? (
          <a key={link.href} {...props}>
            {link.label}
          </a>
        ) : (
          <Link key={link.href} {...props}>
            {link.label}
          </Link>
        );
      })}
    </nav>
  );
}
