import { isPlistDict, plistString } from "@/lib/analysis/ipa/plist-dict";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { looksLikeCms, parseSignedData, type SignedData, verifySignedData } from "@/lib/analysis/profile/cms";
import { verifyDeviceIdentity } from "@/lib/devices/device-identity";
import type { DeviceAttributes } from "@/lib/devices/schema";
import { AppError } from "@/lib/errors";
import { MAX_DEVICE_RESPONSE_BYTES } from "@/lib/http/body-limits";
import type { TrustAnchor } from "@/lib/verify/trust-roots";

/**
 * Reads what iOS posts to the profile service: a CMS SignedData envelope
 * (signed by the device's identity certificate) around an XML plist of the
 * requested attributes plus CHALLENGE. The signature must hold over the
 * content and be made by a device identity Apple issued (./device-identity.ts),
 * so a made-up UDID cannot be posted; the single-use challenge binds the post
 * to a user.
 */

export type DeviceResponse = { challenge: string; attributes: DeviceAttributes };

function malformed(detail: string): AppError {
  return new AppError("malformed_device_response", `The device's answer could not be read: ${detail}`);
}

export function parseDeviceResponse(body: Buffer, options: { extraAnchors?: TrustAnchor[] } = {}): DeviceResponse {
  if (body.length === 0) throw new AppError("empty_body", "The device sent nothing.");
  if (body.length > MAX_DEVICE_RESPONSE_BYTES) {
    throw new AppError("payload_too_large", "The device's answer is larger than any real one: refused.");
  }
  if (!looksLikeCms(body)) {
    let plainPlist = false;
    try {
      parsePlist(body);
      plainPlist = true;
    } catch {
      // neither CMS nor a plist
    }
    if (plainPlist) {
      throw new AppError(
        "unsigned_device_response",
        "The device's answer is not signed: only iOS's signed answer is accepted.",
      );
    }
    throw malformed("it is not a CMS envelope.");
  }
  let sd: SignedData;
  try {
    sd = parseSignedData(body);
    const check = verifySignedData(sd);
    if (check.status === "unsigned") {
      throw new AppError("unsigned_device_response", "The device's answer carries no signature.");
    }
    if (check.status !== "valid") {
      throw new AppError(
        "device_signature_invalid",
        `The device's signature does not hold: ${check.detail ?? "it could not be verified."}`,
      );
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw malformed(error instanceof Error ? `${error.message}.` : "broken envelope.");
  }
  verifyDeviceIdentity(sd, options);
  const content = sd.content;
  let dict: unknown;
  try {
    dict = parsePlist(content);
  } catch {
    throw malformed("the signed content is not a property list.");
  }
  if (!isPlistDict(dict)) throw malformed("the signed content is not a dictionary.");
  const record = dict;
  const udid = plistString(record, "UDID");
  const challenge = plistString(record, "CHALLENGE");
  if (!udid) throw malformed("it has no UDID.");
  if (!challenge) throw malformed("it has no CHALLENGE.");
  return {
    challenge,
    attributes: {
      udid,
      name: plistString(record, "DEVICE_NAME"),
      model: plistString(record, "PRODUCT"),
      osVersion: plistString(record, "VERSION"),
      serial: plistString(record, "SERIAL"),
      imei: plistString(record, "IMEI"),
    },
  };
}
