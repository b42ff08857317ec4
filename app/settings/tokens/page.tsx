import type { Metadata } from "next";
import { CreateTokenForm } from "@/components/tokens/create-token-form";
import { TokenTable } from "@/components/tokens/token-table";
import { Card, PageHeader } from "@/components/ui/ui";
import { can } from "@/lib/access/policy";
import { requireUserPage } from "@/lib/auth/require-user";
import { env } from "@/lib/config/env";
import { listApiTokens } from "@/lib/tokens/api-tokens";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage() {
  const user = await requireUserPage("/settings/tokens");
  const tokens = await listApiTokens(user.id);
  const canUpload = can(user, "build.upload");
  return (
    <div className="space-y-6">
      <PageHeader title="API tokens">
        For scripts and CI: send{" "}
        <code className="rounded bg-slate-100 px-1 dark:bg-slate-800">Authorization: Bearer ferry_…</code> to{" "}
        <code className="rounded bg-slate-100 px-1 dark:bg-slate-800">{env().publicUrl}/api/v1</code>. A token acts as
        you, limited to its scopes, and stops working when it is revoked, expires or your account is disabled.
      </PageHeader>
      <Card title="Create a token" testId="create-token">
        <CreateTokenForm canUpload={canUpload} canSign={user.role === "admin"} />
      </Card>
      <TokenTable
        tokens={tokens.map((t) => ({
          id: t.id,
          name: t.name,
          prefix: t.prefix,
          scopes: t.scopes,
          createdAt: t.createdAt.toISOString(),
          lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
          expiresAt: t.expiresAt?.toISOString() ?? null,
          revokedAt: t.revokedAt?.toISOString() ?? null,
        }))}
      />
    </div>
  );
}
