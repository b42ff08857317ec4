"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/admin/users", label: "Users" },
  { href: "/admin/groups", label: "Groups" },
  { href: "/admin/apps", label: "Apps" },
  { href: "/admin/devices", label: "Devices" },
  { href: "/admin/signing", label: "Signing" },
  { href: "/admin/jobs", label: "Jobs" },
  { href: "/admin/audit", label: "Audit log" },
  { href: "/admin/settings", label: "Settings" },
] as const;

export function AdminNav() {
  // Typed nullable since pages/ exists (the Pages Router has no pathname before hydration); never null here.
  const pathname = usePathname() ?? "";
  return (
    <nav
      aria-label="Admin"
      className="mb-6 flex flex-wrap gap-1 border-b border-slate-200 dark:border-slate-700"
      data-testid="admin-nav"
    >
      {LINKS.map((link) => {
        const active = pathname === link.href || pathname.startsWith(`${link.href}/`);
        return (
          <Link
            key={link.href}
            href={link.href}
            aria-current={active ? "page" : undefined}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${
              active
                ? "border-sky-600 text-slate-900 dark:text-slate-100"
                : "border-transparent text-slate-500 hover:text-slate-900 dark:text-slate-400 dark:hover:text-white"
            }`}
          >
            {link.label}
          </Link>
        );
      })}
    </nav>
  );
}
