import { type AppStoreConnectKey, tokenSource } from "@/lib/app-store-connect/token";
import { AppError } from "@/lib/errors";

/**
 * A typed client for the four App Store Connect resources Ferry uses
 * (devices, bundleIds, certificates, profiles), JSON:API as Apple documents
 * it. A 429 is retried after Retry-After (or a backoff) plus jitter, a few
 * times; whatever Apple refuses becomes a specific Ferry error carrying
 * Apple's own `detail`. Bodies are read up to a bound: a hostile or broken
 * endpoint cannot make Ferry buffer without end.
 */

export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const MAX_PAGES = 20;
const DEFAULT_RETRIES = 3;
const MAX_WAIT_SECONDS = 60;

export type AscDevice = {
  id: string;
  udid: string;
  name: string;
  deviceClass: string;
  status: string;
  model: string | null;
};
export type AscBundleId = { id: string; identifier: string; name: string };
export type AscCertificate = {
  id: string;
  name: string;
  certificateType: string;
  serialNumber: string;
  expirationDate: string | null;
  /** DER of the certificate. */
  content: Buffer;
};
export type AscProfileType = "IOS_APP_ADHOC" | "IOS_APP_DEVELOPMENT";
export type AscProfile = { id: string; name: string; uuid: string; profileType: string; content: Buffer };

export type AppStoreConnectClient = ReturnType<typeof createAppStoreConnectClient>;

type Resource = { type: string; id: string; attributes?: Record<string, unknown> };
type Document = { data?: Resource | Resource[]; links?: { next?: string }; errors?: AppleError[] };
type AppleError = { status?: string; code?: string; title?: string; detail?: string };

/** Reads at most `limit` bytes of a body; more is a broken answer, not something to keep. */
async function readBounded(res: Response, limit = MAX_RESPONSE_BYTES): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new AppError("asc_unavailable", `App Store Connect answered with more than ${limit} bytes.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/**
 * Apple's refusals Ferry tells apart, as Apple words them. Apple says to
 * handle errors by `code` ("Parsing the Error Response Code",
 * developer.apple.com/documentation/appstoreconnectapi/parsing-the-error-response-code),
 * but two refusals share one code, so the detail tells them apart:
 * - the yearly device limit is a 403 FORBIDDEN_ERROR, "This request is
 *   forbidden for security reasons", whose detail names the class: "Your
 *   development team has reached the maximum number of registered iPhone
 *   devices." (quoted from `POST /v1/devices` through fastlane in
 *   github.com/AtB-AS/mittatb-app/pull/5972; Xcode's error 5405 says the same
 *   words, github.com/nab138/iloader/issues/715);
 * - a key whose role may not do this is the same 403 FORBIDDEN_ERROR with
 *   "The API key in use does not allow this request"
 *   (developer.apple.com/forums/thread/740115);
 * - a UDID already registered is a 409 ENTITY_ERROR "A device with number
 *   '…' already exists on this team." (github.com/fastlane/fastlane/issues/17429).
 * No source confirms Apple's answer to a profile naming a certificate the
 * account lacks, so that stays `asc_refused` with Apple's detail; the job
 * finds the certificate by listing before it asks (asc_certificate_unknown).
 */
const DEVICE_LIMIT_DETAIL = /maximum number of registered .*devices/i;
export const DEVICE_EXISTS_DETAIL = /already exists on this team/i;

/** Apple's refusal as a Ferry error: a code per case Ferry explains, Apple's detail in the sentence. */
export function appleError(status: number, body: Document | null, what: string): AppError {
  const first = body?.errors?.[0];
  const detail = first?.detail ?? first?.title ?? `HTTP ${status}`;
  const says = `App Store Connect refused to ${what}: ${detail}`;
  if (status === 401) {
    return new AppError(
      "asc_unauthorized",
      `${says} Check the issuer id, the key id and the .p8 (a revoked key stops working).`,
    );
  }
  // Checked before the role: Apple answers the limit with the same 403 FORBIDDEN_ERROR.
  if (DEVICE_LIMIT_DETAIL.test(detail)) return new AppError("asc_device_limit", says);
  if (status === 403) {
    return new AppError("asc_forbidden", `${says} The API key needs the Admin or App Manager role.`);
  }
  if (status === 429) return new AppError("asc_rate_limited", says);
  if (status >= 500) return new AppError("asc_unavailable", says);
  return new AppError("asc_refused", says);
}

function retryAfterSeconds(header: string | null, attempt: number): number {
  const n = header ? Number(header) : Number.NaN;
  if (Number.isFinite(n) && n >= 0) return Math.min(n, MAX_WAIT_SECONDS);
  const at = header ? Date.parse(header) : Number.NaN;
  if (Number.isFinite(at)) return Math.min(Math.max((at - Date.now()) / 1000, 0), MAX_WAIT_SECONDS);
  return Math.min(2 ** attempt, MAX_WAIT_SECONDS);
}

function toDevice(r: Resource): AscDevice {
  const a = r.attributes ?? {};
  return {
    id: r.id,
    udid: str(a.udid),
    name: str(a.name),
    deviceClass: str(a.deviceClass),
    status: str(a.status),
    model: typeof a.model === "string" ? a.model : null,
  };
}
function toBundleId(r: Resource): AscBundleId {
  const a = r.attributes ?? {};
  return { id: r.id, identifier: str(a.identifier), name: str(a.name) };
}
function toCertificate(r: Resource): AscCertificate {
  const a = r.attributes ?? {};
  return {
    id: r.id,
    name: str(a.displayName) || str(a.name),
    certificateType: str(a.certificateType),
    serialNumber: str(a.serialNumber),
    expirationDate: typeof a.expirationDate === "string" ? a.expirationDate : null,
    content: Buffer.from(str(a.certificateContent), "base64"),
  };
}
function toProfile(r: Resource): AscProfile {
  const a = r.attributes ?? {};
  return {
    id: r.id,
    name: str(a.name),
    uuid: str(a.uuid),
    profileType: str(a.profileType),
    content: Buffer.from(str(a.profileContent), "base64"),
  };
}

export function createAppStoreConnectClient(options: {
  key: AppStoreConnectKey;
  baseUrl: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Retries of a 429 before giving up with asc_rate_limited. */
  retries?: number;
  /** Called before each wait after a 429 (seconds), for logs and tests. */
  onRateLimited?: (seconds: number) => void;
}) {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const token = tokenSource(options.key);
  const base = options.baseUrl.replace(/\/+$/, "");

  async function call(
    method: string,
    pathOrUrl: string,
    what: string,
    body?: unknown,
    how: { missingIsDone?: boolean } = {},
  ): Promise<Document | null> {
    const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${base}${pathOrUrl}`;
    // `links.next` must stay on the configured host: the bearer token goes nowhere else.
    if (!url.startsWith(`${base}/`)) throw new AppError("asc_unavailable", "App Store Connect linked outside its API.");
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await doFetch(url, {
          method,
          headers: {
            authorization: `Bearer ${token()}`,
            accept: "application/json",
            ...(body ? { "content-type": "application/json" } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(60_000),
        });
      } catch (error) {
        throw new AppError("asc_unavailable", `App Store Connect could not be reached to ${what}.`, { cause: error });
      }
      const text = await readBounded(res);
      let doc: Document | null = null;
      if (text) {
        try {
          doc = JSON.parse(text) as Document;
        } catch {
          doc = null;
        }
      }
      if (res.status === 429 && attempt < (options.retries ?? DEFAULT_RETRIES)) {
        // Jitter spreads the retries of several instances hitting the same limit.
        const seconds = retryAfterSeconds(res.headers.get("retry-after"), attempt) * (1 + random() * 0.25);
        options.onRateLimited?.(seconds);
        await sleep(seconds * 1000);
        continue;
      }
      // Deleting what is already gone (a retried step) is done, not an error.
      if (res.status === 404 && how.missingIsDone) return null;
      if (!res.ok) throw appleError(res.status, doc, what);
      return doc;
    }
  }

  async function all(path: string, what: string): Promise<Resource[]> {
    const out: Resource[] = [];
    let next: string | undefined = path;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const doc = await call("GET", next, what);
      const data = doc?.data;
      if (Array.isArray(data)) out.push(...data);
      next = doc?.links?.next;
    }
    return out;
  }

  function one(doc: Document | null, what: string): Resource {
    const data = doc?.data;
    if (!data || Array.isArray(data)) throw new AppError("asc_unavailable", `App Store Connect gave no ${what}.`);
    return data;
  }

  return {
    async listDevices(filter: { udids?: string[] } = {}): Promise<AscDevice[]> {
      const q = new URLSearchParams({ limit: "200" });
      if (filter.udids?.length) q.set("filter[udid]", filter.udids.join(","));
      return (await all(`/v1/devices?${q}`, "list devices")).map(toDevice);
    },
    async registerDevice(input: { name: string; udid: string }): Promise<AscDevice> {
      const doc = await call("POST", "/v1/devices", `register the device ${input.udid}`, {
        data: { type: "devices", attributes: { name: input.name, udid: input.udid, platform: "IOS" } },
      });
      return toDevice(one(doc, "device"));
    },
    /** The bundle id registered exactly as `identifier` (Apple's filter also matches longer ones), or null. */
    async findBundleId(identifier: string): Promise<AscBundleId | null> {
      const q = new URLSearchParams({ "filter[identifier]": identifier, limit: "200" });
      const rows = (await all(`/v1/bundleIds?${q}`, `find the bundle id ${identifier}`)).map(toBundleId);
      return rows.find((b) => b.identifier === identifier) ?? null;
    },
    async listCertificates(): Promise<AscCertificate[]> {
      return (await all("/v1/certificates?limit=200", "list certificates")).map(toCertificate);
    },
    async findProfilesByName(name: string): Promise<AscProfile[]> {
      const q = new URLSearchParams({ "filter[name]": name, limit: "200" });
      return (await all(`/v1/profiles?${q}`, "list profiles")).map(toProfile).filter((p) => p.name === name);
    },
    async createProfile(input: {
      name: string;
      profileType: AscProfileType;
      bundleIdId: string;
      certificateIds: string[];
      deviceIds: string[];
    }): Promise<AscProfile> {
      const doc = await call("POST", "/v1/profiles", `create the profile "${input.name}"`, {
        data: {
          type: "profiles",
          attributes: { name: input.name, profileType: input.profileType },
          relationships: {
            bundleId: { data: { type: "bundleIds", id: input.bundleIdId } },
            certificates: { data: input.certificateIds.map((id) => ({ type: "certificates", id })) },
            devices: { data: input.deviceIds.map((id) => ({ type: "devices", id })) },
          },
        },
      });
      return toProfile(one(doc, "profile"));
    },
    /** Deletes a profile; one already gone is not an error (a retried step). */
    async deleteProfile(id: string): Promise<void> {
      await call("DELETE", `/v1/profiles/${encodeURIComponent(id)}`, `delete the profile ${id}`, undefined, {
        missingIsDone: true,
      });
    },
  };
}
