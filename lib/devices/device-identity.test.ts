/** Device identities of profile-service posts: only keys Apple (here: the configured test root) certified as a device. */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import { build as buildPlist } from "plist";
import { makeSigner } from "@/lib/analysis/profile/cms-test-helpers";
import type { CmsSigner } from "@/lib/devices/cms-sign";
import { appleDeviceIntermediates, DEVICE_CA_NAME } from "@/lib/devices/device-identity";
import { parseDeviceResponse } from "@/lib/devices/profile-service";
import { AppError } from "@/lib/errors";
import { extraTrustAnchors, verifyChain } from "@/lib/verify/trust-roots";
import { issue, makeRoot, signerOf, signPost, testDeviceIdentityCa } from "@/tests/helpers/device-identity";

const VICTIM_UDID = "00008030-001A35E11234802E";
const pki = testDeviceIdentityCa();
const anchors = extraTrustAnchors(pki.root.pem);

function post(signer: CmsSigner, udid = VICTIM_UDID): Buffer {
  return signPost(buildPlist({ UDID: udid, CHALLENGE: "the-outsiders-own-challenge", DEVICE_NAME: "x" }), signer);
}

function untrusted(error: unknown): boolean {
  return error instanceof AppError && error.code === "device_certificate_untrusted" && error.status === 403;
}

describe("device identity", () => {
  it("Apple's device intermediates carried by Ferry are genuine: they chain to the pinned Apple Root CA", () => {
    const [deviceCa, iphoneCa] = appleDeviceIntermediates();
    assert.ok(deviceCa && iphoneCa);
    assert.match(deviceCa.subject, new RegExp(`CN=${DEVICE_CA_NAME}$`, "m"));
    const result = verifyChain(deviceCa, { intermediates: [iphoneCa], extraAnchors: [] });
    assert.equal(result.trusted, true, result.detail);
    assert.equal(result.anchor?.name, "Apple Root CA");
    // Expired long ago, which is why validity is not judged for device chains.
    assert.ok(Date.parse(deviceCa.validTo) < Date.parse("2015-01-01"));
  });

  it("a post signed by a device certificate under the configured root is read", () => {
    const answer = parseDeviceResponse(post(pki.newDevice()), { extraAnchors: anchors });
    assert.equal(answer.attributes.udid, VICTIM_UDID);
    assert.equal(answer.challenge, "the-outsiders-own-challenge");
  });

  it("a self-signed certificate (any outsider's) is refused", () => {
    const self = makeSigner("ec");
    const signer: CmsSigner = { certificates: [self.certificate], privateKey: self.privateKey };
    assert.throws(() => parseDeviceResponse(post(signer), { extraAnchors: anchors }), untrusted);
  });

  it("the same chain shape under a root that is not configured is refused", () => {
    const otherRoot = makeRoot(pki.dir, "Ferry Test Device Root");
    const otherCa = issue(pki.dir, otherRoot, `/C=US/O=Apple Inc./OU=Apple iPhone/CN=${DEVICE_CA_NAME}`, true);
    const device = signerOf(issue(pki.dir, otherCa, "/CN=impostor", false));
    assert.throws(() => parseDeviceResponse(post(device), { extraAnchors: anchors }), untrusted);
    // Even carrying its root in the envelope.
    const withRoot: CmsSigner = {
      ...device,
      certificates: [...device.certificates, Buffer.from(new X509Certificate(otherRoot.pem).raw)],
    };
    assert.throws(() => parseDeviceResponse(post(withRoot), { extraAnchors: anchors }), untrusted);
  });

  it("a certificate under the trusted root but not issued by the device CA (a developer's) is refused", () => {
    const wwdr = issue(
      pki.dir,
      pki.root,
      "/O=Apple Inc./CN=Apple Worldwide Developer Relations Certification Authority",
      true,
    );
    const developer = signerOf(issue(pki.dir, wwdr, "/CN=Apple Development: Outsider", false));
    assert.throws(() => parseDeviceResponse(post(developer), { extraAnchors: anchors }), untrusted);
    // Nor the root's own key.
    assert.throws(() => parseDeviceResponse(post(signerOf(pki.root)), { extraAnchors: anchors }), untrusted);
  });

  it("a trusted device certificate riding along does not vouch for a forged signer", () => {
    const genuine = pki.newDevice();
    const forger = makeSigner("ec");
    const signer: CmsSigner = {
      certificates: [forger.certificate, ...genuine.certificates],
      privateKey: forger.privateKey,
    };
    assert.throws(() => parseDeviceResponse(post(signer), { extraAnchors: anchors }), untrusted);
  });
});
