import { redirect } from "next/navigation";
import { requireAdminPage } from "@/lib/server-actions/run-action";

export const dynamic = "force-dynamic";

export default async function AdminIndexPage() {
  await requireAdminPage("/admin");
  redirect("/admin/users");
}
