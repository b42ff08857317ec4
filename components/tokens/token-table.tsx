import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Badge, EmptyState, ScrollRegion, TableHead } from "@/components/ui/ui";
import { revokeTokenAction } from "@/lib/tokens/actions";
import { formatDate } from "@/lib/ui/format";

export type TokenRow = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
};

export function TokenTable({ tokens, now = new Date() }: { tokens: TokenRow[]; now?: Date }) {
  if (tokens.length === 0) return <EmptyState>You have no API tokens.</EmptyState>;
  return (
    <ScrollRegion label="API tokens">
      <table className="w-full text-left text-sm" data-testid="token-table">
        <TableHead columns={["Name", "Token", "Scopes", "Created", "Last used", "Expires", "Status"]} actions />
        {/* Dates and scopes wrap (only the token's prefix does not), so all columns, Revoke last, fit a 1024 px page. */}
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {tokens.map((token) => {
            const expired = token.expiresAt !== null && new Date(token.expiresAt) <= now;
            const status = token.revokedAt ? "revoked" : expired ? "expired" : "active";
            return (
              <tr
                key={token.id}
                data-testid="token-row"
                data-name={token.name}
                data-status={status}
                className={`align-top ${status === "active" ? "" : "text-slate-500 dark:text-slate-400"}`}
              >
                <td className="px-3 py-2 font-medium">{token.name}</td>
                <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">ferry_{token.prefix}…</td>
                <td className="px-3 py-2">
                  <div className="flex flex-wrap gap-1">
                    {token.scopes.map((s) => (
                      <Badge key={s} color={s === "upload" ? "indigo" : "slate"}>
                        {s}
                      </Badge>
                    ))}
                  </div>
                </td>
                <td className="min-w-24 px-3 py-2">{formatDate(token.createdAt)}</td>
                <td className="min-w-24 px-3 py-2">
                  {token.lastUsedAt ? (
                    formatDate(token.lastUsedAt)
                  ) : (
                    <span className="text-slate-500 dark:text-slate-400">Never</span>
                  )}
                </td>
                <td className="min-w-24 px-3 py-2">
                  {token.expiresAt ? (
                    formatDate(token.expiresAt)
                  ) : (
                    <span className="text-slate-500 dark:text-slate-400">Never</span>
                  )}
                </td>
                <td className="min-w-24 px-3 py-2">
                  {status === "revoked" && token.revokedAt ? (
                    <>
                      <Badge color="red">Revoked</Badge>
                      <p className="mt-0.5 text-xs">{formatDate(token.revokedAt)}</p>
                    </>
                  ) : status === "expired" ? (
                    <Badge color="amber">Expired</Badge>
                  ) : (
                    <Badge color="green">Active</Badge>
                  )}
                </td>
                <td className="px-3 py-2">
                  {token.revokedAt ? null : (
                    <ActionForm action={revokeTokenAction} className="flex flex-col items-start gap-1">
                      <input type="hidden" name="tokenId" value={token.id} />
                      <SubmitButton small variant="danger">
                        Revoke
                      </SubmitButton>
                    </ActionForm>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
