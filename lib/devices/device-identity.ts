import { X509Certificate } from "node:crypto";
import { type SignedData, verifySignedData } from "@/lib/analysis/profile/cms";
import { AppError } from "@/lib/errors";
import { parsePemCertificates, type TrustAnchor, verifyChain } from "@/lib/verify/trust-roots";

/**
 * Who signed a profile-service post. iOS signs its answer with the device
 * identity certificate Apple issued at activation: device → "Apple iPhone
 * Device CA" → "Apple iPhone Certification Authority" → "Apple Root CA". A
 * post is accepted only when the key that really made the signature belongs
 * to a certificate issued by a CA named "Apple iPhone Device CA" (Apple's
 * documented check) whose chain ends at a pinned Apple root, or at a root in
 * `CODESIGN_EXTRA_ROOTS` (tests; the same name rule applies there). Anyone can
 * get a certificate under Apple's roots (every developer has one), so the
 * chain alone would not do: the device CA's name is what makes it a device.
 *
 * Validity periods are not judged: Apple's device CA expired in 2014 and the
 * iPhone Certification Authority in 2022, yet iPhones still sign with the
 * certificates they issued; judging dates would refuse every real iPhone.
 * Signatures and CA flags along the chain are checked.
 */

/** The subject CN of the CA that issues iPhone/iPad device identities. */
export const DEVICE_CA_NAME = "Apple iPhone Device CA";

/** The envelope carries a handful of certificates; more is not an iPhone. */
const MAX_ENVELOPE_CERTIFICATES = 16;

/**
 * Apple's device intermediates (public, signed by the pinned Apple Root CA;
 * a test checks that), so a post whose envelope omits them still completes.
 */
const APPLE_DEVICE_INTERMEDIATE_PEMS = `
-----BEGIN CERTIFICATE-----
MIIDaTCCAlGgAwIBAgIBATANBgkqhkiG9w0BAQUFADB5MQswCQYDVQQGEwJVUzET
MBEGA1UEChMKQXBwbGUgSW5jLjEmMCQGA1UECxMdQXBwbGUgQ2VydGlmaWNhdGlv
biBBdXRob3JpdHkxLTArBgNVBAMTJEFwcGxlIGlQaG9uZSBDZXJ0aWZpY2F0aW9u
IEF1dGhvcml0eTAeFw0wNzA0MTYyMjU0NDZaFw0xNDA0MTYyMjU0NDZaMFoxCzAJ
BgNVBAYTAlVTMRMwEQYDVQQKEwpBcHBsZSBJbmMuMRUwEwYDVQQLEwxBcHBsZSBp
UGhvbmUxHzAdBgNVBAMTFkFwcGxlIGlQaG9uZSBEZXZpY2UgQ0EwgZ8wDQYJKoZI
hvcNAQEBBQADgY0AMIGJAoGBAPGUSsnquloYYK3Lok1NTlQZaRdZB2bLl+hmmkdf
Rq5nerVKc1SxywT2vTa4DFU4ioSDMVJl+TPhl3ecK0wmsCU/6TKqewh0lOzBSzgd
Z04IUpRai1mjXNeT9KD+VYW7TEaXXm6yd0UvZ1y8Cxi/WblshvcqdXbSGXH0KWO5
JQuvAgMBAAGjgZ4wgZswDgYDVR0PAQH/BAQDAgGGMA8GA1UdEwEB/wQFMAMBAf8w
HQYDVR0OBBYEFLL+ISNEhpVqedWBJo5zENinTI50MB8GA1UdIwQYMBaAFOc0Ki4i
3jlga7SUzneDYS8xoHw1MDgGA1UdHwQxMC8wLaAroCmGJ2h0dHA6Ly93d3cuYXBw
bGUuY29tL2FwcGxlY2EvaXBob25lLmNybDANBgkqhkiG9w0BAQUFAAOCAQEAd13P
Z3pMViukVHe9WUg8Hum+0I/0kHKvjhwVd/IMwGlXyU7DhUYWdja2X/zqj7W24Aq5
7dEKm3fqqxK5XCFVGY5HI0cRsdENyTP7lxSiiTRYj2mlPedheCn+k6T5y0U4Xr40
FXwWb2nWqCF1AgIudhgvVbxlvqcxUm8Zz7yDeJ0JFovXQhyO5fLUHRLCQFssAbf8
B4i8rYYsBUhYTspVJcxVpIIltkYpdIRSIARA49HNvKK4hzjzMS/OhKQpVKw+OCEZ
xptCVeN2pjbdt9uzi175oVo/u6B2ArKAW17u6XEHIdDMOe7cb33peVI6TD15W4MI
pyQPbp8orlXe+tA8JA==
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
MIID8zCCAtugAwIBAgIBFzANBgkqhkiG9w0BAQUFADBiMQswCQYDVQQGEwJVUzET
MBEGA1UEChMKQXBwbGUgSW5jLjEmMCQGA1UECxMdQXBwbGUgQ2VydGlmaWNhdGlv
biBBdXRob3JpdHkxFjAUBgNVBAMTDUFwcGxlIFJvb3QgQ0EwHhcNMDcwNDEyMTc0
MzI4WhcNMjIwNDEyMTc0MzI4WjB5MQswCQYDVQQGEwJVUzETMBEGA1UEChMKQXBw
bGUgSW5jLjEmMCQGA1UECxMdQXBwbGUgQ2VydGlmaWNhdGlvbiBBdXRob3JpdHkx
LTArBgNVBAMTJEFwcGxlIGlQaG9uZSBDZXJ0aWZpY2F0aW9uIEF1dGhvcml0eTCC
ASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAKMevvBHwLSeEFtGpLghuE+G
IXAoRWBcHMPICmRjiPv8ae74VPzpW7cGTgQvw2szr0RM6kuACbSH9lu0/WTds3Lg
E7P9F9m856jtwoxhwir57M6lXtZp62QLjQiPuKBQRgncGeTlsJRtu/eZmMTom0FO
1PFl4xtSetzoA9luHdoQVYakKVhJDOpH1xU0M/bAoERKcL4stSowN4wuFevR5GyX
OFVWsTUrWOpEoyaF7shmSuTPifA9Y60p3q26WrPcpaOapwlOgBY1ZaSFDWN7PmOK
2n1KRuyjORg0ucYoZRi8E2Ccf1esFMmJ7aG2h2hStoROuMiD7PmeGauzwQuGx58C
AwEAAaOBnDCBmTAOBgNVHQ8BAf8EBAMCAYYwDwYDVR0TAQH/BAUwAwEB/zAdBgNV
HQ4EFgQU5zQqLiLeOWBrtJTOd4NhLzGgfDUwHwYDVR0jBBgwFoAUK9BpR5R2Cf70
a40uQKb3R01/CF4wNgYDVR0fBC8wLTAroCmgJ4YlaHR0cDovL3d3dy5hcHBsZS5j
b20vYXBwbGVjYS9yb290LmNybDANBgkqhkiG9w0BAQUFAAOCAQEAHdHVe910TtcX
/IItDJmbXkJy8mnc1WteDQxrSz57FCXes5TooPoPgInyFz0AAqKRkb50V9yvmp+h
Cn0wvgAqzCFZ6/1JrG51GeiaegPRhvbn9rAOS0n6o7dButfR41ahfYOrl674UUom
wYVCEyaNA1RmEF5ghAUSMStrVMCgyEG8VB7nVK0TANJKx7vBiq+BCI7wRgq/J6a+
3M85OoBwGSMyo2tmXZ5NqEdJsntFtVEzp3RnCU62bG9I9yy5MwVEa0W+dEtvsoaR
tD4lKCWes8JRhvxP5a87qrtELAFJ4nSzNPpE7xTCEfItGRpRidMISkFsWFbemzrh
BVflYs/SDw==
-----END CERTIFICATE-----
`;

let appleIntermediates: X509Certificate[] | undefined;

/** "Apple iPhone Device CA" and "Apple iPhone Certification Authority". */
export function appleDeviceIntermediates(): X509Certificate[] {
  appleIntermediates ??= parsePemCertificates(APPLE_DEVICE_INTERMEDIATE_PEMS);
  return appleIntermediates;
}

function commonNames(subject: string): string[] {
  return subject
    .split("\n")
    .filter((line) => line.startsWith("CN="))
    .map((line) => line.slice(3));
}

function untrusted(detail: string): AppError {
  return new AppError(
    "device_certificate_untrusted",
    `The answer is not signed by an iPhone or iPad: ${detail} Register from the device itself, in Safari.`,
  );
}

export type DeviceIdentity = { certificate: X509Certificate; anchor: TrustAnchor };

/**
 * The device certificate whose key made `sd`'s signature, once its chain holds
 * (see above); otherwise `device_certificate_untrusted`. Call after
 * `verifySignedData(sd)` said the signature is valid.
 */
export function verifyDeviceIdentity(sd: SignedData, options: { extraAnchors?: TrustAnchor[] } = {}): DeviceIdentity {
  if (sd.certificates.length > MAX_ENVELOPE_CERTIFICATES) {
    throw untrusted(`its envelope carries ${sd.certificates.length} certificates.`);
  }
  const carried: X509Certificate[] = [];
  for (const der of sd.certificates) {
    try {
      carried.push(new X509Certificate(der));
    } catch {
      // an unreadable extra certificate can neither sign nor vouch
    }
  }
  // The signer is the certificate whose own key verifies the signature, not any
  // certificate that happens to be carried: a trusted certificate riding along
  // with a forged signer must not vouch for it.
  const signers = carried.filter(
    (cert) => verifySignedData({ ...sd, certificates: [Buffer.from(cert.raw)] }).status === "valid",
  );
  if (signers.length === 0) throw untrusted("the certificate that signed it is not in the envelope.");
  let why = "";
  for (const leaf of signers) {
    const result = verifyChain(leaf, {
      intermediates: [...carried.filter((c) => c !== leaf), ...appleDeviceIntermediates()],
      extraAnchors: options.extraAnchors,
    });
    if (!result.trusted || !result.anchor) {
      // The problem's name only: its detail may name server paths (an unreadable CODESIGN_EXTRA_ROOTS).
      why = `its certificate does not chain to Apple (${result.problem ?? "no_path"}).`;
      continue;
    }
    const issuer = result.chain[1];
    if (!issuer || !commonNames(issuer.subject).includes(DEVICE_CA_NAME)) {
      why = `its certificate was not issued by ${DEVICE_CA_NAME}.`;
      continue;
    }
    return { certificate: leaf, anchor: result.anchor };
  }
  throw untrusted(why);
}
