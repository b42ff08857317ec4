import { redirect } from "next/navigation";
import { requireUserPage } from "@/lib/auth/require-user";

export const dynamic = "force-dynamic";

export default async function SettingsIndexPage() {
  await requireUserPage("/settings/tokens");
  redirect("/settings/tokens");
}
