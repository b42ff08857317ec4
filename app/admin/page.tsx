import { redirect } from "next/navigation";
import { requireAdminPage } from "@/lib/auth/require-user";

export const dynamic = "force-dynamic";

export default async function AdminIndexPage() {
  await requireAdminPage("/admin");
  redirect("/admin/users");
}
