import { redirect } from "next/navigation";
import { requireAdminPage } from "@/lib/admin/guard";

export const dynamic = "force-dynamic";

export default async function AdminIndexPage() {
  await requireAdminPage("/admin");
  redirect("/admin/users");
}
