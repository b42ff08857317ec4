import { createHash, timingSafeEqual } from "node:crypto";
import { recordDownloadCompletionOnce } from "@/lib/audit/download-completion";
import { env } from "@/lib/config/env";
import { reachedLastByte, readReceipt } from "@/lib/download/offload-receipt";
import { AppError } from "@/lib/errors";

/** The headers nginx's post_action report carries (docs/nginx/ferry.conf, location = /_ferry_download_done). */
export const REPORT_HEADERS = {
  secret: "x-ferry-offload-secret",
  receipt: "x-ferry-download",
  completion: "x-ferry-completion",
  status: "x-ferry-status",
  bytesSent: "x-ferry-bytes-sent",
  contentRange: "x-ferry-content-range",
} as const;

function sameSecret(given: string, expected: string): boolean {
  // Digests of equal length: the comparison's time says nothing about the secret's length or prefix.
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * nginx's report that an offloaded download finished: the install funnel's
 * *completed* row, written once per download. Only nginx can report (the
 * shared DOWNLOAD_OFFLOAD_SECRET; anyone else, or any call while it is unset,
 * gets a 404 as if the route did not exist), only for a download Ferry
 * authorized (its signed receipt), only when the last byte went out, and a
 * replayed report changes nothing (the receipt's id is unique among
 * completion rows). Returns whether a row was written.
 */
export async function recordOffloadedCompletion(headers: Headers): Promise<boolean> {
  const expected = env().downloadOffload?.reportSecret;
  const given = headers.get(REPORT_HEADERS.secret);
  if (!expected || given === null || !sameSecret(given, expected)) {
    throw new AppError("not_found", "Not found.");
  }
  const receipt = readReceipt(headers.get(REPORT_HEADERS.receipt) ?? "");
  if (!receipt) return false;
  const report = {
    completion: headers.get(REPORT_HEADERS.completion) ?? "",
    status: headers.get(REPORT_HEADERS.status) ?? "",
    bytesSent: headers.get(REPORT_HEADERS.bytesSent) ?? "",
    contentRange: headers.get(REPORT_HEADERS.contentRange) ?? "",
  };
  if (!reachedLastByte(report, receipt.size)) return false;
  return recordDownloadCompletionOnce(receipt.id, {
    actor: receipt.user,
    appId: receipt.appId,
    buildId: receipt.buildId,
    context: { ip: receipt.ip, userAgent: receipt.userAgent },
    details: { via: "nginx", ...(receipt.range ? { range: receipt.range } : {}) },
  });
}
