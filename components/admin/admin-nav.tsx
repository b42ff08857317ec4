"use client";

import { usePathname } from "next/navigation";
import { AdminNavLinks } from "@/components/admin/admin-nav-links";

/** The admin tabs of the App Router's admin pages (app/admin/layout.tsx), marking the page open. */
export function AdminNav() {
  // Typed nullable since pages/ exists (the Pages Router has no pathname before hydration); never null here.
  return <AdminNavLinks pathname={usePathname() ?? ""} />;
}
