import type { Actor } from "@/lib/access/actor";
import type { AuditAction } from "@/lib/audit/audit-actions";
import { prisma } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * Writing the audit trail: every install-page view, manifest fetch and .ipa
 * download, every sign-in failure, every change. A change's row is written in
 * the change's own transaction (`recordChange`): no change lands without it.
 * Other events (`recordAudit`) never fail the request they record (a lost row
 * is logged), but are awaited so tests and admins see them at once. The
 * install hot paths queue theirs instead (./audit-queue.ts). Reading the
 * trail: ./audit-search.ts (admins), ./install-analytics.ts (install counts),
 * ./sign-in-failures.ts (the sign-in rate limiter).
 */
export type AuditContext = { ip: string | null; userAgent: string | null };

export type AuditInput = {
  action: AuditAction;
  actor?: { id: string; email: string } | null;
  appId?: string | null;
  buildId?: string | null;
  target?: { type: string; id: string } | null;
  context?: AuditContext | null;
  details?: Prisma.InputJsonValue;
};

/** Where a change's row is written: the change's transaction (or, for a refusal that changed nothing, the client). */
export type AuditWriter = Pick<Prisma.TransactionClient, "auditEvent">;

/**
 * Records a change made by `by` (the user and their request, or the CLI), in
 * `tx`, the transaction that makes the change: every mutation calls it there,
 * so a change and its row commit together. A failed insert throws and so
 * rolls the change back.
 */
export async function recordChange(
  tx: AuditWriter,
  by: Actor,
  input: Omit<AuditInput, "actor" | "context" | "details"> & { details?: Record<string, Prisma.InputJsonValue | null> },
): Promise<void> {
  await tx.auditEvent.create({
    data: auditRow({
      ...input,
      actor: by.kind === "user" ? by.user : null,
      context: by.kind === "user" ? by.context : null,
      details: by.kind === "user" ? (input.details ?? {}) : { ...input.details, via: by.kind },
    }),
  });
}

export async function recordAudit(input: AuditInput): Promise<void> {
  try {
    await prisma().auditEvent.create({ data: auditRow(input) });
  } catch (error) {
    console.error("[ferry] could not write an audit event", input.action, error);
  }
}

/** The row for an event (also written in batches by ./audit-queue.ts). */
export function auditRow(input: AuditInput) {
  return {
    action: input.action,
    actorId: input.actor?.id ?? null,
    actorEmail: input.actor?.email ?? null,
    appId: input.appId ?? null,
    buildId: input.buildId ?? null,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id ?? null,
    ip: input.context?.ip?.slice(0, 100) ?? null,
    userAgent: input.context?.userAgent?.slice(0, 500) ?? null,
    details: input.details ?? {},
  } satisfies Prisma.AuditEventCreateManyInput;
}
