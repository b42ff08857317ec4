import type { HashType } from "@/lib/verify/signature-blobs";

/**
 * The one seam between building a code signature and signing it: given every
 * CodeDirectory of one Mach-O slice (the primary, slot 0, first; then the
 * alternates in slot order), return the DER of the CMS ContentInfo (SignedData,
 * detached) that goes into the superblob's signature slot. Apple's signer signs
 * the primary directory's bytes and binds the alternates through its CDHashes
 * (plist) and CDHashes2 signed attributes; lib/verify/cms-signature.ts checks
 * exactly that.
 */
export interface CodeDirectoryForSigning {
  hashType: HashType;
  /** The serialised CodeDirectory blob, magic included. */
  bytes: Buffer;
}

export type CodeDirectorySigner = (directories: readonly CodeDirectoryForSigning[]) => Promise<Buffer>;

/**
 * Room to reserve in a superblob for the CMS before it is made (codesign
 * reserves a fixed estimate too, and pads): a certificate chain of three plus
 * attributes fits in well under 18 KiB.
 */
export const CMS_RESERVED_BYTES = 18 * 1024;
