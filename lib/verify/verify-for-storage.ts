import path from "node:path";
import { type StoredCodeSignature, toStoredCodeSignature } from "@/lib/verify/stored-code-signature";
import { verifyCodeSignature } from "@/lib/verify/verify-code-signature";

/**
 * Verifies an uploaded archive for storage. Never fails the upload: an archive
 * the analyser accepted but the verifier cannot read at all is stored as not
 * verified (null), and the reason is logged.
 */
export async function verifyForStorage(ipaPath: string): Promise<StoredCodeSignature | null> {
  try {
    // Large binaries spill beside the upload (DATA_DIR/tmp: sized for builds, unlike a RAM-backed /tmp).
    return toStoredCodeSignature(await verifyCodeSignature(ipaPath, { tempDir: path.dirname(ipaPath) }));
  } catch (error) {
    console.error("[ferry] code signature could not be verified", error);
    return null;
  }
}
