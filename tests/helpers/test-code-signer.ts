/**
 * TEST HELPER ONLY: a CodeDirectorySigner backed by `openssl cms` and a
 * throwaway CA and leaf made with openssl in a temp dir. It signs the primary
 * directory's bytes, detached, like Apple's signer, but adds none of Apple's
 * CDHashes attributes: the real signer (lib/signing's identity side) does that.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CodeDirectorySigner } from "@/lib/signing/code-directory-signer";

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

function openssl(args: string[], cwd: string): Buffer {
  return execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

export function createTestSigningIdentity(): TestSigningIdentity {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-test-signer-"));
  const teamId = "TESTTEAM01";
  const commonName = `Apple Distribution: Ferry Test (${teamId})`;
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "3650",
      "-subj",
      "/CN=Ferry Test Signing CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  openssl(
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "leaf.key",
      "-out",
      "leaf.csr",
      "-subj",
      `/CN=${commonName}/OU=${teamId}/O=Ferry Test`,
    ],
    dir,
  );
  fs.writeFileSync(
    path.join(dir, "leaf.ext"),
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n",
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "leaf.pem",
      "-days",
      "3650",
      "-extfile",
      "leaf.ext",
    ],
    dir,
  );
  let counter = 0;
  const signer: CodeDirectorySigner = async (directories) => {
    const primary = directories[0];
    if (!primary) throw new Error("no CodeDirectory to sign");
    const input = path.join(dir, `cd-${counter++}.bin`);
    fs.writeFileSync(input, primary.bytes);
    return openssl(
      [
        "cms",
        "-sign",
        "-binary",
        "-outform",
        "DER",
        "-nosmimecap",
        "-md",
        "sha256",
        "-signer",
        "leaf.pem",
        "-inkey",
        "leaf.key",
        "-certfile",
        "ca.pem",
        "-in",
        input,
      ],
      dir,
    );
  };
  return {
    dir,
    caPem: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
    commonName,
    teamId,
    signer,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
