import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { AuditContext } from "@/lib/audit/audit";
import { requireAuthSecret } from "@/lib/config/env";

/**
 * The receipt of an offloaded download: what Ferry authorized (who, which
 * build, its size), with a fresh id, signed with a key derived from
 * AUTH_SECRET. Ferry puts it in its X-Accel-Redirect answer; nginx keeps it
 * (never shows it to the client) and hands it back in its completion report,
 * so a report can only name a download Ferry really authorized, and each
 * id counts once (lib/download/offload-completion.ts).
 */

export const RECEIPT_HEADER = "X-Ferry-Download";

/** Well under the shortest audit retention (1 day): an id's completion row outlives its receipt. */
const RECEIPT_TTL_MS = 12 * 3_600_000;

const payloadSchema = z.object({
  id: z.uuid(),
  user: z.object({ id: z.uuid(), email: z.string() }),
  appId: z.uuid(),
  buildId: z.uuid(),
  size: z.number().int().positive(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  range: z.string().nullable(),
  issuedAt: z.number().int(),
});

export type OffloadReceipt = z.infer<typeof payloadSchema>;

function key(): Buffer {
  return createHmac("sha256", requireAuthSecret()).update("ferry offloaded download receipt v1").digest();
}

function sign(payload: string): string {
  return createHmac("sha256", key()).update(payload).digest("base64url");
}

export function mintReceipt(input: {
  user: { id: string; email: string };
  appId: string;
  buildId: string;
  size: number;
  context: AuditContext;
  range: string | null;
}): string {
  const receipt: OffloadReceipt = {
    id: randomUUID(),
    user: { id: input.user.id, email: input.user.email },
    appId: input.appId,
    buildId: input.buildId,
    size: input.size,
    ip: input.context.ip,
    // Bounded: the receipt travels in a response header nginx buffers (proxy_buffer_size).
    userAgent: input.context.userAgent?.slice(0, 256) ?? null,
    range: input.range?.slice(0, 100) ?? null,
    issuedAt: Date.now(),
  };
  const payload = Buffer.from(JSON.stringify(receipt)).toString("base64url");
  return `${payload}.${sign(payload)}`;
}

/** The receipt if Ferry signed it and it has not expired; null otherwise. */
export function readReceipt(value: string, now = Date.now()): OffloadReceipt | null {
  const [payload, mac, extra] = value.split(".");
  if (!payload || !mac || extra !== undefined) return null;
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const result = payloadSchema.safeParse(parsed);
  if (!result.success) return null;
  const age = now - result.data.issuedAt;
  return age >= 0 && age <= RECEIPT_TTL_MS ? result.data : null;
}

/**
 * Whether nginx's report describes a transfer that reached the file's last
 * byte, as the direct path counts it (lib/download/file-response.ts): the
 * whole file (200), or a range ending at its last byte (206, e.g. a resumed
 * download), every byte of it sent and the response finished
 * (`$request_completion` "OK"). HEAD, 304, 416, a partial range or an
 * aborted transfer do not count.
 */
export function reachedLastByte(
  report: { completion: string; status: string; bytesSent: string; contentRange: string },
  size: number,
): boolean {
  if (report.completion !== "OK" || !/^\d{1,15}$/.test(report.bytesSent)) return false;
  const sent = Number(report.bytesSent);
  if (report.status === "200") return sent === size;
  if (report.status !== "206") return false;
  const range = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/.exec(report.contentRange.trim());
  if (!range) return false;
  const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
  return total === size && end === size - 1 && start <= end && sent === end - start + 1;
}
