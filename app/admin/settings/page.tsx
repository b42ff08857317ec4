import type { Metadata } from "next";
import { SignInSettingsForm } from "@/components/admin/sign-in-settings-form";
import { Card, PageHeader } from "@/components/ui/ui";
import { requireAdminPage } from "@/lib/auth/require-user";
import { env } from "@/lib/config/env";
import { getSettings } from "@/lib/settings/settings";
import { isSsoLinked } from "@/lib/users/data";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Settings" };

export default async function AdminSettingsPage() {
  const admin = await requireAdminPage("/admin/settings");
  // Only the admin's own link: not every user of the company.
  const [settings, selfLinked] = await Promise.all([getSettings(), isSsoLinked(admin.id)]);
  const oidc = env().oidc;
  return (
    <div className="space-y-6">
      <PageHeader title="Settings" />
      <Card title="Sign-in" testId="sign-in-settings">
        <SignInSettingsForm
          localLoginEnabled={settings.localLoginEnabled}
          ssoName={oidc ? oidc.name : null}
          ssoIssuer={oidc ? oidc.issuer : null}
          selfLinked={selfLinked}
        />
      </Card>
    </div>
  );
}
