import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { env } from "@/lib/config/env";

/**
 * The roots Ferry trusts for Apple signatures: code signatures, provisioning
 * profiles and iOS device identities (profile service posts). Apple's roots are
 * public and sit at the end of every Apple-issued chain; they are pinned here by
 * SHA-256 fingerprint, so a chain is trusted only when it ends at one of these
 * exact certificates. `CODESIGN_EXTRA_ROOTS` (a PEM file or PEM text) adds roots
 * treated like Apple's: test CAs, or an organisation's own checks.
 */

/** SHA-256 fingerprints (hex, upper case, no colons) of Apple's root certificates. */
export const APPLE_ROOT_FINGERPRINTS: ReadonlyMap<string, string> = new Map([
  // Apple Root CA (RSA 2048, 2006–2035): signs the WWDR and iPhone CAs.
  ["B0B1730ECBC7FF4505142C49F1295E6EDA6BCAED7E2C68C5BE91B5A11001F024", "Apple Root CA"],
  // Apple Root CA - G2 (RSA 4096, 2014–2039).
  ["C2B9B042DD57830E7D117DAC55AC8AE19407D38E41D88F3215BC3A890444A050", "Apple Root CA - G2"],
  // Apple Root CA - G3 (ECC P-384, 2014–2039).
  ["63343ABFB89A6A03EBB57E9B3F5FA7BE7C4F5C756F3017B3A8C488C3653E9179", "Apple Root CA - G3"],
  // Apple Computer, Inc. "Apple Root Certificate Authority" (2005–2025): older profiles.
  ["0D83B611B648A1A75EB8558400795375CAD92E264ED8E9D7A757C1F5EE2BB22D", "Apple Root Certificate Authority"],
]);

/**
 * Apple's roots whose certificates Ferry carries, so a chain whose envelope
 * omits the root still completes. Public certificates, copied from the chains
 * Apple embeds in every provisioning profile.
 */
const APPLE_ROOT_PEMS = [
  `-----BEGIN CERTIFICATE-----
MIIEuzCCA6OgAwIBAgIBAjANBgkqhkiG9w0BAQUFADBiMQswCQYDVQQGEwJVUzET
MBEGA1UEChMKQXBwbGUgSW5jLjEmMCQGA1UECxMdQXBwbGUgQ2VydGlmaWNhdGlv
biBBdXRob3JpdHkxFjAUBgNVBAMTDUFwcGxlIFJvb3QgQ0EwHhcNMDYwNDI1MjE0
MDM2WhcNMzUwMjA5MjE0MDM2WjBiMQswCQYDVQQGEwJVUzETMBEGA1UEChMKQXBw
bGUgSW5jLjEmMCQGA1UECxMdQXBwbGUgQ2VydGlmaWNhdGlvbiBBdXRob3JpdHkx
FjAUBgNVBAMTDUFwcGxlIFJvb3QgQ0EwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAw
ggEKAoIBAQDkkakJH5HbHkdQ6wXtXnmELes2oldMVeyLGYne+Uts9QerIjAC6Bg+
+FAJ039BqJj50cpmnCRrEdCju+QbKsMflZ56DKRHi1vUFjczy8QPTc4UadHJGXL1
XQ7Vf1+b8iUDulWPTV0N8WQ1IxVLFVkds5T39pyez1C6wVhQZ48ItCD3y6wsIG9w
tj8BMIy3Q88PnT3zK0koGsj+zrW5DtleHNbLPbU6rfQPDgCSC7EhFi501TwN22IW
q6NxkkdTVcGvL0Gz+PvjcM3mo0xFfh9Ma1CWQYnEdGILEINBhzOKgbEwWOxaBDKM
aLOPHd5lc/9nXmW8Sdh2nzMUZaF3lMktAgMBAAGjggF6MIIBdjAOBgNVHQ8BAf8E
BAMCAQYwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUK9BpR5R2Cf70a40uQKb3
R01/CF4wHwYDVR0jBBgwFoAUK9BpR5R2Cf70a40uQKb3R01/CF4wggERBgNVHSAE
ggEIMIIBBDCCAQAGCSqGSIb3Y2QFATCB8jAqBggrBgEFBQcCARYeaHR0cHM6Ly93
d3cuYXBwbGUuY29tL2FwcGxlY2EvMIHDBggrBgEFBQcCAjCBthqBs1JlbGlhbmNl
IG9uIHRoaXMgY2VydGlmaWNhdGUgYnkgYW55IHBhcnR5IGFzc3VtZXMgYWNjZXB0
YW5jZSBvZiB0aGUgdGhlbiBhcHBsaWNhYmxlIHN0YW5kYXJkIHRlcm1zIGFuZCBj
b25kaXRpb25zIG9mIHVzZSwgY2VydGlmaWNhdGUgcG9saWN5IGFuZCBjZXJ0aWZp
Y2F0aW9uIHByYWN0aWNlIHN0YXRlbWVudHMuMA0GCSqGSIb3DQEBBQUAA4IBAQBc
NplMLXi37Yyb3PN3m/J20ncwT8EfhYOFG5k9RzfyqZtAjizUsZAS2L70c5vu0mQP
y3lPNNiiPvl4/2vIB+x9OYOLUyDTOMSxv5pPCmv/K/xZpwUJfBdAVhEedNO3iyM7
R6PVbyTi69G3cN8PReEnyvFteO3ntRcXqNx+IjXKJdXZD9Zr1KIkIxH3oayPc4Fg
xhtbCS+SsvhESPBgOJ4V9T0mZyCKM2r3DYLP3uujL/lTaltkwGMzd/c6ByxW69oP
IQ7aunMZT7XZNn/Bh1XZp5m5MkL72NVxnn6hUrcbvZNCJBIqxw8dtk2cXmPIS4AX
UKqK1drk/NAJBzewdXUh
-----END CERTIFICATE-----`,
  `-----BEGIN CERTIFICATE-----
MIIFujCCBKKgAwIBAgIBATANBgkqhkiG9w0BAQUFADCBhjELMAkGA1UEBhMCVVMx
HTAbBgNVBAoTFEFwcGxlIENvbXB1dGVyLCBJbmMuMS0wKwYDVQQLEyRBcHBsZSBD
b21wdXRlciBDZXJ0aWZpY2F0ZSBBdXRob3JpdHkxKTAnBgNVBAMTIEFwcGxlIFJv
b3QgQ2VydGlmaWNhdGUgQXV0aG9yaXR5MB4XDTA1MDIxMDAwMTgxNFoXDTI1MDIx
MDAwMTgxNFowgYYxCzAJBgNVBAYTAlVTMR0wGwYDVQQKExRBcHBsZSBDb21wdXRl
ciwgSW5jLjEtMCsGA1UECxMkQXBwbGUgQ29tcHV0ZXIgQ2VydGlmaWNhdGUgQXV0
aG9yaXR5MSkwJwYDVQQDEyBBcHBsZSBSb290IENlcnRpZmljYXRlIEF1dGhvcml0
eTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAOSRqQkfkdseR1DrBe1e
eYQt6zaiV0xV7IsZid75S2z1B6siMALoGD74UAnTf0GomPnRymacJGsR0KO75Bsq
wx+VnnoMpEeLW9QWNzPLxA9NzhRp0ckZcvVdDtV/X5vyJQO6VY9NXQ3xZDUjFUsV
WR2zlPf2nJ7PULrBWFBnjwi0IPfLrCwgb3C2PwEwjLdDzw+dPfMrSSgayP7OtbkO
2V4c1ss9tTqt9A8OAJILsSEWLnTVPA3bYharo3GSR1NVwa8vQbP4++NwzeajTEV+
H0xrUJZBicR0YgsQg0GHM4qBsTBY7FoEMoxos48d3mVz/2deZbxJ2HafMxRloXeU
yS0CAwEAAaOCAi8wggIrMA4GA1UdDwEB/wQEAwIBBjAPBgNVHRMBAf8EBTADAQH/
MB0GA1UdDgQWBBQr0GlHlHYJ/vRrjS5ApvdHTX8IXjAfBgNVHSMEGDAWgBQr0GlH
lHYJ/vRrjS5ApvdHTX8IXjCCASkGA1UdIASCASAwggEcMIIBGAYJKoZIhvdjZAUB
MIIBCTBBBggrBgEFBQcCARY1aHR0cHM6Ly93d3cuYXBwbGUuY29tL2NlcnRpZmlj
YXRlYXV0aG9yaXR5L3Rlcm1zLmh0bWwwgcMGCCsGAQUFBwICMIG2GoGzUmVsaWFu
Y2Ugb24gdGhpcyBjZXJ0aWZpY2F0ZSBieSBhbnkgcGFydHkgYXNzdW1lcyBhY2Nl
cHRhbmNlIG9mIHRoZSB0aGVuIGFwcGxpY2FibGUgc3RhbmRhcmQgdGVybXMgYW5k
IGNvbmRpdGlvbnMgb2YgdXNlLCBjZXJ0aWZpY2F0ZSBwb2xpY3kgYW5kIGNlcnRp
ZmljYXRpb24gcHJhY3RpY2Ugc3RhdGVtZW50cy4wRAYDVR0fBD0wOzA5oDegNYYz
aHR0cHM6Ly93d3cuYXBwbGUuY29tL2NlcnRpZmljYXRlYXV0aG9yaXR5L3Jvb3Qu
Y3JsMFUGCCsGAQUFBwEBBEkwRzBFBggrBgEFBQcwAoY5aHR0cHM6Ly93d3cuYXBw
bGUuY29tL2NlcnRpZmljYXRlYXV0aG9yaXR5L2Nhc2lnbmVycy5odG1sMA0GCSqG
SIb3DQEBBQUAA4IBAQCd2i0oWC99dgS5BNM+zrdmY06PL9T+S61yvaM5xlJNBZhS
9YlRASR5vhoy9+VEi0tEBzmC1lrKtCBe2a4VXR2MHTK/ODFiSF3H4ZCx+CRA+F9Y
m1FdV53B5f88zHIhbsTp6aF31ywXJsM/65roCwO66bNKcuszCVut5mIxauivL9Wv
Hld2j383LS4CXN1jyfJxuCZA3xWNdUQ/eb3mHZnhQyw+rW++uaT+DjUZUWOxw961
kj5ReAFziqQjyqSI8R5cH0EWLX6VCqrpiUGYGxrdyyC/R14MJsVVNU3GMIuZZxTH
CR+6R8faAQmHJEKVvRNgGQrv6n8Obs3BREM6StXj
-----END CERTIFICATE-----`,
];

export interface TrustAnchor {
  certificate: X509Certificate;
  /** SHA-256 fingerprint, hex upper case without colons. */
  fingerprint: string;
  name: string;
  apple: boolean;
}

export function fingerprintOf(cert: X509Certificate): string {
  return cert.fingerprint256.replaceAll(":", "").toUpperCase();
}

/** Splits PEM text into certificates; non-certificate blocks are ignored. */
export function parsePemCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

function readPemSource(value: string): string {
  return value.includes("-----BEGIN") ? value : readFileSync(value, "utf8");
}

let cachedExtra: { source: string | undefined; anchors: TrustAnchor[] } | undefined;

/** Roots from `CODESIGN_EXTRA_ROOTS`, read once per distinct value. */
export function extraTrustAnchors(source = env().codesignExtraRoots): TrustAnchor[] {
  if (cachedExtra && cachedExtra.source === source) return cachedExtra.anchors;
  const anchors = source
    ? parsePemCertificates(readPemSource(source)).map((certificate) => ({
        certificate,
        fingerprint: fingerprintOf(certificate),
        name:
          certificate.subject
            .split("\n")
            .find((l) => l.startsWith("CN="))
            ?.slice(3) ?? certificate.subject,
        apple: false,
      }))
    : [];
  cachedExtra = { source, anchors };
  return anchors;
}

let appleAnchors: TrustAnchor[] | undefined;

export function appleTrustAnchors(): TrustAnchor[] {
  appleAnchors ??= APPLE_ROOT_PEMS.map((pem) => {
    const certificate = new X509Certificate(pem);
    const fingerprint = fingerprintOf(certificate);
    const name = APPLE_ROOT_FINGERPRINTS.get(fingerprint);
    if (!name) throw new Error(`embedded Apple root ${fingerprint} is not pinned`);
    return { certificate, fingerprint, name, apple: true };
  });
  return appleAnchors;
}

export interface ChainResult {
  trusted: boolean;
  /** The chain from the leaf up to (and including) the anchor when trusted, else as far as it went. */
  chain: X509Certificate[];
  anchor: TrustAnchor | null;
  /** Why the chain is not trusted (when `trusted` is false). */
  problem?: "no_path" | "bad_signature" | "expired" | "not_yet_valid" | "not_a_ca";
  detail?: string;
}

export interface ChainOptions {
  /** Certificates that may serve as intermediates (e.g. those carried in a CMS envelope). */
  intermediates?: X509Certificate[];
  /** Checks validity periods at this time; omit to skip them (Apple's device chains hold expired intermediates). */
  at?: Date;
  /** Additional anchors; defaults to CODESIGN_EXTRA_ROOTS. */
  extraAnchors?: TrustAnchor[];
}

function anchorFor(cert: X509Certificate, anchors: TrustAnchor[]): TrustAnchor | undefined {
  const fingerprint = fingerprintOf(cert);
  const pinned = APPLE_ROOT_FINGERPRINTS.get(fingerprint);
  if (pinned) return { certificate: cert, fingerprint, name: pinned, apple: true };
  return anchors.find((a) => a.fingerprint === fingerprint);
}

function signedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

function validityProblem(cert: X509Certificate, at: Date): "expired" | "not_yet_valid" | null {
  if (at.getTime() > Date.parse(cert.validTo)) return "expired";
  if (at.getTime() < Date.parse(cert.validFrom)) return "not_yet_valid";
  return null;
}

/**
 * Builds a chain from `leaf` to a pinned Apple root or an extra root, checking
 * every signature on the way (and, with `at`, every validity period). Never throws.
 */
export function verifyChain(leaf: X509Certificate, options: ChainOptions = {}): ChainResult {
  let extra: TrustAnchor[];
  try {
    extra = options.extraAnchors ?? extraTrustAnchors();
  } catch (error) {
    return {
      trusted: false,
      chain: [leaf],
      anchor: null,
      problem: "no_path",
      detail: `CODESIGN_EXTRA_ROOTS cannot be read: ${String(error)}`,
    };
  }
  const anchors = [...appleTrustAnchors(), ...extra];
  const pool = [...(options.intermediates ?? []), ...anchors.map((a) => a.certificate)];
  const chain: X509Certificate[] = [leaf];
  let current = leaf;
  for (let depth = 0; depth < 10; depth++) {
    if (options.at) {
      const problem = validityProblem(current, options.at);
      if (problem) {
        return {
          trusted: false,
          chain,
          anchor: null,
          problem,
          detail: `${current.subject.replaceAll("\n", ", ")} is ${problem === "expired" ? "expired" : "not valid yet"}`,
        };
      }
    }
    const anchor = anchorFor(current, anchors);
    // An anchor ends the chain only when it really is the certificate pinned (self-signed roots verify themselves).
    if (anchor && (current !== leaf || signedBy(current, current))) return { trusted: true, chain, anchor };
    const issuer = pool.find(
      (candidate) =>
        candidate !== current && fingerprintOf(candidate) !== fingerprintOf(current) && current.checkIssued(candidate),
    );
    if (!issuer)
      return {
        trusted: false,
        chain,
        anchor: null,
        problem: "no_path",
        detail: `no trusted issuer for ${current.issuer.replaceAll("\n", ", ")}`,
      };
    if (!signedBy(current, issuer)) {
      return {
        trusted: false,
        chain,
        anchor: null,
        problem: "bad_signature",
        detail: `${current.subject.replaceAll("\n", ", ")} is not signed by its issuer`,
      };
    }
    if (!issuer.ca) {
      return {
        trusted: false,
        chain,
        anchor: null,
        problem: "not_a_ca",
        detail: `${issuer.subject.replaceAll("\n", ", ")} is not a certificate authority`,
      };
    }
    chain.push(issuer);
    current = issuer;
  }
  return { trusted: false, chain, anchor: null, problem: "no_path", detail: "the chain is too long" };
}
