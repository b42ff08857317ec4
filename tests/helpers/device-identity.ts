/**
 * Test device identities made with openssl, shaped like Apple's: a root (give
 * it to the server as CODESIGN_EXTRA_ROOTS) → a CA named "Apple iPhone Device
 * CA" → one certificate per simulated iPhone. `signPost` signs a device's
 * answer as iOS does (CMS SignedData, the device's chain in the envelope).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type CmsSigner, loadCmsSigner, signCms } from "@/lib/devices/cms-sign";
import { DEVICE_CA_NAME } from "@/lib/devices/device-identity";

export type TestCert = { certPath: string; keyPath: string; pem: string; chainPem: string };

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

function newKey(dir: string, name: string): string {
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`], dir);
  return path.join(dir, `${name}.key`);
}

/** A self-signed root CA. */
export function makeRoot(dir: string, cn: string): TestCert {
  const name = `root-${randomBytes(4).toString("hex")}`;
  const keyPath = newKey(dir, name);
  openssl(
    [
      ...["req", "-x509", "-key", keyPath, "-out", `${name}.pem`, "-days", "3", "-subj", `/CN=${cn}`],
      ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    ],
    dir,
  );
  const pem = fs.readFileSync(path.join(dir, `${name}.pem`), "utf8");
  return { certPath: path.join(dir, `${name}.pem`), keyPath, pem, chainPem: pem };
}

/** A certificate issued by `issuer`: a CA when `ca`, else a leaf. `chainPem` is it and its issuers. */
export function issue(dir: string, issuer: TestCert, subject: string, ca: boolean): TestCert {
  const name = `cert-${randomBytes(4).toString("hex")}`;
  const keyPath = newKey(dir, name);
  openssl(["req", "-new", "-key", keyPath, "-out", `${name}.csr`, "-subj", subject], dir);
  fs.writeFileSync(
    path.join(dir, `${name}.ext`),
    ca
      ? "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
      : "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n",
  );
  openssl(
    [
      ...["x509", "-req", "-in", `${name}.csr`, "-CA", issuer.certPath, "-CAkey", issuer.keyPath],
      ...["-set_serial", `0x${randomBytes(8).toString("hex")}`, "-days", "2", "-extfile", `${name}.ext`],
      ...["-out", `${name}.pem`],
    ],
    dir,
  );
  const pem = fs.readFileSync(path.join(dir, `${name}.pem`), "utf8");
  return { certPath: path.join(dir, `${name}.pem`), keyPath, pem, chainPem: pem + issuer.chainPem };
}

/** The CMS signer of `cert` (its chain carried in the envelope unless `chain` is false). */
export function signerOf(cert: TestCert, options: { chain?: boolean } = {}): CmsSigner {
  return loadCmsSigner(options.chain === false ? cert.pem : cert.chainPem, fs.readFileSync(cert.keyPath, "utf8"));
}

/** What iOS posts: `attributes` (with CHALLENGE) as an XML plist, signed by `signer`. */
export function signPost(xml: string | Buffer, signer: CmsSigner): Buffer {
  return signCms(Buffer.isBuffer(xml) ? xml : Buffer.from(xml, "utf8"), signer);
}

export type DeviceIdentityCa = {
  dir: string;
  root: TestCert;
  deviceCa: TestCert;
  /** A fresh device identity (its own key), chain root → device CA → device. */
  newDevice: () => CmsSigner;
};

let shared: DeviceIdentityCa | undefined;

/** One test PKI per process: configure `root.pem` as CODESIGN_EXTRA_ROOTS. */
export function testDeviceIdentityCa(): DeviceIdentityCa {
  if (shared) return shared;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-device-pki-"));
  const root = makeRoot(dir, "Ferry Test Device Root");
  const deviceCa = issue(dir, root, `/C=US/O=Apple Inc./OU=Apple iPhone/CN=${DEVICE_CA_NAME}`, true);
  const ca: DeviceIdentityCa = {
    dir,
    root,
    deviceCa,
    newDevice: () => signerOf(issue(dir, deviceCa, `/CN=${randomBytes(20).toString("hex")}`, false)),
  };
  shared = ca;
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return ca;
}
