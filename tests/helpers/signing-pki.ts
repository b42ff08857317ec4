/**
 * A throwaway code-signing PKI made with the real openssl command line: a
 * root, an intermediate, and leaves shaped like Apple's signing certificates
 * (key usage digitalSignature, extended key usage codeSigning, the team id as
 * the subject's OU). Tests build .p12 files from it with `openssl pkcs12`.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const TEST_TEAM_ID = "FERRYTEST1";
export const TEST_COMMON_NAME = `Apple Distribution: Ferry Test (${TEST_TEAM_ID})`;

export interface TestLeaf {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  root: string;
  intermediate: string;
  rsa: TestLeaf;
  ec: TestLeaf;
  /** EKU serverAuth only: a certificate that cannot sign code. */
  tls: TestLeaf;
}

export function openssl(dir: string, args: string[]): Buffer {
  return execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
}

export function issue(
  dir: string,
  name: string,
  keyArgs: string[],
  subject: string,
  extensions: string,
  ca: { cert: string; key: string },
  days = 365,
): TestLeaf {
  openssl(dir, [...keyArgs, "-out", `${name}.key`]);
  openssl(dir, ["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`]);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-set_serial",
    `0x${Buffer.from(name).toString("hex")}`,
    "-days",
    String(days),
    "-sha256",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  ]);
  return { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
}

export const RSA = ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
export const EC = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
const LEAF_SUBJECT = `/UID=FERRYUID01/CN=${TEST_COMMON_NAME}/OU=${TEST_TEAM_ID}/O=Ferry Test/C=US`;
export const CODE_SIGNING =
  "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,codeSigning\n";

/** A self-signed CA certificate (`name`.pem, `name`.key in `dir`). */
export function makeRoot(dir: string, name: string, keyArgs: string[], subject: string, days = 3650): TestLeaf {
  fs.mkdirSync(dir, { recursive: true });
  openssl(dir, [...keyArgs, "-out", `${name}.key`]);
  openssl(dir, [
    "req",
    "-x509",
    "-new",
    "-key",
    `${name}.key`,
    "-subj",
    subject,
    "-days",
    String(days),
    "-sha256",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    `${name}.pem`,
  ]);
  return { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
}

export function makeTestPki(dir: string): TestPki {
  const root = makeRoot(dir, "root", RSA, "/CN=Ferry Test Root CA/O=Ferry Test");
  const intermediate = issue(
    dir,
    "intermediate",
    RSA,
    "/CN=Ferry Test Developer Relations CA/O=Ferry Test",
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    root,
  );
  return {
    dir,
    root: root.cert,
    intermediate: intermediate.cert,
    rsa: issue(dir, "leaf-rsa", RSA, LEAF_SUBJECT, CODE_SIGNING, intermediate),
    ec: issue(dir, "leaf-ec", EC, LEAF_SUBJECT, CODE_SIGNING, intermediate),
    tls: issue(
      dir,
      "leaf-tls",
      RSA,
      "/CN=tls.example.com",
      "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
      intermediate,
    ),
  };
}

/** `openssl pkcs12 -export` of `leaf` with the intermediate as its chain; `extra` picks the encryption. */
export function exportP12(pki: TestPki, leaf: TestLeaf, name: string, password: string, extra: string[] = []): string {
  const out = path.join(pki.dir, `${name}.p12`);
  openssl(pki.dir, [
    "pkcs12",
    "-export",
    "-inkey",
    leaf.key,
    "-in",
    leaf.cert,
    "-certfile",
    pki.intermediate,
    "-name",
    "Ferry Test",
    "-passout",
    `pass:${password}`,
    ...extra,
    "-out",
    out,
  ]);
  return out;
}
