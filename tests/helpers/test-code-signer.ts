/**
 * TEST HELPER ONLY: a CodeDirectorySigner backed by `openssl cms` and a
 * throwaway CA and leaf (tests/helpers/signing-pki.ts) in a temp dir. It signs the primary
 * directory's bytes, detached, like Apple's signer, but adds none of Apple's
 * CDHashes attributes: the real signer (lib/signing's identity side) does that.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CodeDirectorySigner } from "@/lib/signing/code-directory-signer";
import { CODE_SIGNING, issue, makeRoot, openssl, RSA } from "@/tests/helpers/signing-pki";

export interface TestSigningIdentity {
  dir: string;
  /** PEM of the test CA (pass it as an extra trust anchor). */
  caPem: string;
  /** The leaf's subject CN, as a designated requirement names it. */
  commonName: string;
  teamId: string;
  signer: CodeDirectorySigner;
  remove(): void;
}

export function createTestSigningIdentity(): TestSigningIdentity {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-test-signer-"));
  const teamId = "TESTTEAM01";
  const commonName = `Apple Distribution: Ferry Test (${teamId})`;
  const ca = makeRoot(dir, "ca", RSA, "/CN=Ferry Test Signing CA");
  const leaf = issue(dir, "leaf", RSA, `/CN=${commonName}/OU=${teamId}/O=Ferry Test`, CODE_SIGNING, ca, 3650);
  let counter = 0;
  const signer: CodeDirectorySigner = async (directories) => {
    const primary = directories[0];
    if (!primary) throw new Error("no CodeDirectory to sign");
    const input = path.join(dir, `cd-${counter++}.bin`);
    fs.writeFileSync(input, primary.bytes);
    return openssl(dir, [
      "cms",
      "-sign",
      "-binary",
      "-outform",
      "DER",
      "-nosmimecap",
      "-md",
      "sha256",
      "-signer",
      leaf.cert,
      "-inkey",
      leaf.key,
      "-certfile",
      ca.cert,
      "-in",
      input,
    ]);
  };
  return {
    dir,
    caPem: fs.readFileSync(ca.cert, "utf8"),
    commonName,
    teamId,
    signer,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
