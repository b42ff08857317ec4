import type { ReactNode } from "react";
import { AdminNav } from "@/components/admin/admin-nav";
import { can } from "@/lib/access/policy";
import { currentUser } from "@/lib/auth/session";

/**
 * The admin section's tabs. Access is enforced by every page (requireAdminPage)
 * and every action; the layout only decides whether to show the tabs, so a
 * non-admin's 404 page does not reveal them.
 */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  if (!can(user, "admin.open")) return children;
  return (
    <div>
      <AdminNav />
      {children}
    </div>
  );
}
