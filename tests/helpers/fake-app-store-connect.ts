/**
 * A fake App Store Connect API for the suite, written from Apple's
 * documentation (developer.apple.com/documentation/appstoreconnectapi:
 * "Generating tokens for API requests", Devices, Bundle IDs, Certificates,
 * Profiles, "Interpreting and handling errors"). JSON:API shapes:
 * `{ data: { type, id, attributes, relationships }, links, meta.paging }`,
 * errors `{ errors: [{ id, status, code, title, detail }] }`.
 *
 * It checks every request's ES256 JWT against the key's public half (`kid`,
 * `iss`, `aud` "appstoreconnect-v1", `exp` at most 20 minutes away), keeps
 * devices, bundle ids, certificates and profiles, answers 409 for a duplicate
 * device, 403 for one over the yearly limit and when the key lacks the role, 429 with
 * Retry-After when a test asks, and mints real provisioning profiles: a plist
 * CMS-signed by the suite's test CA, listing the devices and certificate asked for.
 */
import { generateKeyPairSync, type KeyObject, randomUUID, verify, X509Certificate } from "node:crypto";
import http from "node:http";
import * as plist from "plist";
import { type CmsSigner, signCms } from "@/lib/devices/cms-sign";

export type FakeDevice = {
  id: string;
  name: string;
  udid: string;
  platform: "IOS";
  deviceClass: string;
  status: "ENABLED" | "DISABLED";
  model: string | null;
  addedDate: string;
};
export type FakeBundleId = { id: string; identifier: string; name: string; platform: "IOS"; seedId: string };
export type FakeCertificate = {
  id: string;
  name: string;
  displayName: string;
  certificateType: string;
  serialNumber: string;
  expirationDate: string;
  der: Buffer;
};
export type FakeProfile = {
  id: string;
  name: string;
  uuid: string;
  profileType: string;
  bundleIdId: string;
  certificateIds: string[];
  deviceIds: string[];
  content: Buffer;
  createdDate: string;
  expirationDate: string;
};

export type FakeAppStoreConnect = {
  url: string;
  issuerId: string;
  keyId: string;
  /** The `.p8` Ferry is given (PKCS#8 PEM). */
  p8: string;
  devices: FakeDevice[];
  bundleIds: FakeBundleId[];
  certificates: FakeCertificate[];
  profiles: FakeProfile[];
  /** Every request: method, path with query, status answered. */
  requests: { method: string; path: string; status: number }[];
  /** The key's role: "ADMIN", "APP_MANAGER" (may provision) or "DEVELOPER" (403 on writes and profiles). */
  role: "ADMIN" | "APP_MANAGER" | "DEVELOPER";
  /** Devices per class the membership year allows (Apple: 100). */
  deviceLimit: number;
  /** The largest page the fake answers (Apple: 200), small to exercise `links.next`. */
  pageSize: number;
  /** The next `count` requests matching `method path-prefix` answer 429 with Retry-After `seconds`. */
  throttle(method: string, pathPrefix: string, count: number, seconds?: number): void;
  addBundleId(identifier: string, name?: string): FakeBundleId;
  addCertificate(der: Buffer, type?: string): FakeCertificate;
  /** A device registered outside Ferry (by hand in the portal). */
  addDevice(udid: string, name?: string, deviceClass?: string): FakeDevice;
  close(): Promise<void>;
};

const AUDIENCE = "appstoreconnect-v1";
const MAX_TOKEN_SECONDS = 20 * 60;
const PROFILE_TYPES = new Set(["IOS_APP_ADHOC", "IOS_APP_DEVELOPMENT"]);

type Json = Record<string, unknown>;

function apiError(status: number, code: string, title: string, detail: string): Json {
  return { errors: [{ id: randomUUID(), status: String(status), code, title, detail }] };
}

function base64url(text: string): Buffer {
  return Buffer.from(text, "base64url");
}

/** Checks the bearer token as Apple documents it; null when valid, else why not. */
function checkToken(
  header: string | undefined,
  keys: { kid: string; iss: string; publicKey: KeyObject },
): string | null {
  const token = header?.startsWith("Bearer ") ? header.slice(7) : null;
  if (!token) return "No bearer token.";
  const parts = token.split(".");
  if (parts.length !== 3) return "The token is not a JWS.";
  const [h, p, s] = parts as [string, string, string];
  let head: Json;
  let claims: Json;
  try {
    head = JSON.parse(base64url(h).toString("utf8")) as Json;
    claims = JSON.parse(base64url(p).toString("utf8")) as Json;
  } catch {
    return "The token does not decode.";
  }
  if (head.alg !== "ES256") return "The token's alg must be ES256.";
  if (head.kid !== keys.kid) return "Unknown key id.";
  const ok = verify(
    "sha256",
    Buffer.from(`${h}.${p}`),
    { key: keys.publicKey, dsaEncoding: "ieee-p1363" },
    base64url(s),
  );
  if (!ok) return "The token's signature does not verify.";
  if (claims.iss !== keys.iss) return "Unknown issuer.";
  if (claims.aud !== AUDIENCE) return "The audience must be appstoreconnect-v1.";
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== "number" || claims.exp <= now) return "The token expired.";
  if (claims.exp - now > MAX_TOKEN_SECONDS) return "The token's expiry is more than 20 minutes away.";
  return null;
}

function deviceResource(d: FakeDevice, base: string): Json {
  const { id, ...attributes } = d;
  return { type: "devices", id, attributes, links: { self: `${base}/v1/devices/${id}` } };
}
function bundleIdResource(b: FakeBundleId, base: string): Json {
  const { id, ...attributes } = b;
  return { type: "bundleIds", id, attributes, links: { self: `${base}/v1/bundleIds/${id}` } };
}
function certificateResource(c: FakeCertificate, base: string): Json {
  return {
    type: "certificates",
    id: c.id,
    attributes: {
      name: c.name,
      displayName: c.displayName,
      certificateType: c.certificateType,
      serialNumber: c.serialNumber,
      platform: "IOS",
      expirationDate: c.expirationDate,
      certificateContent: c.der.toString("base64"),
    },
    links: { self: `${base}/v1/certificates/${c.id}` },
  };
}
function profileResource(p: FakeProfile, base: string): Json {
  return {
    type: "profiles",
    id: p.id,
    attributes: {
      name: p.name,
      platform: "IOS",
      profileType: p.profileType,
      profileState: "ACTIVE",
      profileContent: p.content.toString("base64"),
      uuid: p.uuid,
      createdDate: p.createdDate,
      expirationDate: p.expirationDate,
    },
    relationships: {
      bundleId: { data: { type: "bundleIds", id: p.bundleIdId } },
      certificates: { data: p.certificateIds.map((id) => ({ type: "certificates", id })) },
      devices: { data: p.deviceIds.map((id) => ({ type: "devices", id })) },
    },
    links: { self: `${base}/v1/profiles/${p.id}` },
  };
}

function list(data: Json[], url: URL, base: string, pageSize: number): Json {
  const limit = Math.min(Number(url.searchParams.get("limit") ?? 20) || 20, pageSize);
  const offset = Number(url.searchParams.get("cursor") ?? 0) || 0;
  const page = data.slice(offset, offset + limit);
  const links: Json = { self: `${base}${url.pathname}${url.search}` };
  if (offset + limit < data.length) {
    const next = new URL(url.toString());
    next.searchParams.set("cursor", String(offset + limit));
    links.next = `${base}${next.pathname}${next.search}`;
  }
  return { data: page, links, meta: { paging: { total: data.length, limit } } };
}

async function readBody(req: http.IncomingMessage): Promise<Json | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return null;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json;
  } catch {
    return null;
  }
}

function deviceClassOf(udid: string): string {
  // Apple derives the class from the UDID; the suite's simulated devices are iPhones.
  return udid.startsWith("IPAD-") ? "IPAD" : "IPHONE";
}

export async function startFakeAppStoreConnect(options: {
  /** Signs minted profiles: the suite's test CA (leaf first, then its chain). */
  profileSigner: CmsSigner;
  teamId: string;
  teamName?: string;
}): Promise<FakeAppStoreConnect> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  // The key's public half is all Apple keeps: tokens verify against it.
  const keyId = "FAKEKEY123";
  const issuerId = randomUUID();
  const p8 = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const throttles: { method: string; prefix: string; count: number; seconds: number }[] = [];
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}${(++counter).toString(36).toUpperCase().padStart(6, "0")}`;

  const fake: FakeAppStoreConnect = {
    url: "",
    issuerId,
    keyId,
    p8,
    devices: [],
    bundleIds: [],
    certificates: [],
    profiles: [],
    requests: [],
    role: "ADMIN",
    deviceLimit: 100,
    pageSize: 200,
    throttle(method, pathPrefix, count, seconds = 1) {
      throttles.push({ method, prefix: pathPrefix, count, seconds });
    },
    addBundleId(identifier, name = identifier) {
      const b: FakeBundleId = { id: nextId("B"), identifier, name, platform: "IOS", seedId: options.teamId };
      fake.bundleIds.push(b);
      return b;
    },
    addCertificate(der, type = "DISTRIBUTION") {
      const x = new X509Certificate(der);
      const cn = /CN=([^\n]+)/.exec(x.subject)?.[1] ?? "Certificate";
      const c: FakeCertificate = {
        id: nextId("C"),
        name: cn,
        displayName: cn,
        certificateType: type,
        serialNumber: x.serialNumber,
        expirationDate: new Date(x.validTo).toISOString(),
        der,
      };
      fake.certificates.push(c);
      return c;
    },
    addDevice(udid, name = udid, deviceClass = deviceClassOf(udid)) {
      const d: FakeDevice = {
        id: nextId("D"),
        name,
        udid,
        platform: "IOS",
        deviceClass,
        status: "ENABLED",
        model: null,
        addedDate: new Date().toISOString(),
      };
      fake.devices.push(d);
      return d;
    },
    close: async () => {},
  };

  function mintProfile(input: {
    name: string;
    profileType: string;
    bundle: FakeBundleId;
    certificates: FakeCertificate[];
    devices: FakeDevice[];
  }): FakeProfile {
    const uuid = randomUUID().toUpperCase();
    const created = new Date();
    const expires = new Date(created.getTime() + 365 * 86_400_000);
    const development = input.profileType === "IOS_APP_DEVELOPMENT";
    const team = options.teamId;
    const xml = plist.build({
      AppIDName: input.bundle.name,
      ApplicationIdentifierPrefix: [team],
      CreationDate: created,
      Platform: ["iOS"],
      IsXcodeManaged: false,
      DeveloperCertificates: input.certificates.map((c) => c.der),
      Entitlements: {
        "application-identifier": `${team}.${input.bundle.identifier}`,
        "keychain-access-groups": [`${team}.*`],
        "get-task-allow": development,
        "com.apple.developer.team-identifier": team,
      },
      ExpirationDate: expires,
      Name: input.name,
      ProvisionedDevices: input.devices.map((d) => d.udid),
      TeamIdentifier: [team],
      TeamName: options.teamName ?? "Ferry Test",
      TimeToLive: 365,
      UUID: uuid,
      Version: 1,
    });
    return {
      id: nextId("P"),
      name: input.name,
      uuid,
      profileType: input.profileType,
      bundleIdId: input.bundle.id,
      certificateIds: input.certificates.map((c) => c.id),
      deviceIds: input.devices.map((d) => d.id),
      content: signCms(Buffer.from(xml, "utf8"), options.profileSigner, created),
      createdDate: created.toISOString(),
      expirationDate: expires.toISOString(),
    };
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const method = req.method ?? "GET";
      const base = fake.url;
      const send = (status: number, body: Json | null, headers: Record<string, string> = {}) => {
        fake.requests.push({ method, path: `${url.pathname}${url.search}`, status });
        res.writeHead(status, body ? { "content-type": "application/json", ...headers } : headers);
        res.end(body ? JSON.stringify(body) : undefined);
      };
      const throttle = throttles.find((t) => t.count > 0 && t.method === method && url.pathname.startsWith(t.prefix));
      if (throttle) {
        throttle.count--;
        send(
          429,
          apiError(
            429,
            "RATE_LIMIT_EXCEEDED",
            "The request rate limit has been reached.",
            "We've received too many requests for this API. Please wait and try again or slow down your request rate.",
          ),
          {
            "retry-after": String(throttle.seconds),
          },
        );
        return;
      }
      const why = checkToken(req.headers.authorization, { kid: keyId, iss: issuerId, publicKey });
      if (why) {
        send(
          401,
          apiError(
            401,
            "NOT_AUTHORIZED",
            "Authentication credentials are missing or invalid.",
            `Provide a properly configured and signed bearer token, and make sure that it has not expired. ${why}`,
          ),
        );
        return;
      }
      const forbidden = () =>
        send(
          403,
          apiError(
            403,
            "FORBIDDEN_ERROR",
            "This request is forbidden for security reasons",
            "The API key in use does not allow this request",
          ),
        );
      const notFound = (type: string, id: string) =>
        send(
          404,
          apiError(
            404,
            "NOT_FOUND",
            "The specified resource does not exist",
            `There is no resource of type '${type}' with id '${id}'`,
          ),
        );
      const invalid = (detail: string, status = 409) =>
        send(status, apiError(status, "ENTITY_ERROR.ATTRIBUTE.INVALID", "An attribute value is invalid.", detail));
      const path = url.pathname;
      const mayProvision = fake.role !== "DEVELOPER";

      if (method === "GET" && path === "/v1/devices") {
        const udids = url.searchParams.get("filter[udid]")?.split(",");
        const rows = fake.devices.filter((d) => !udids || udids.includes(d.udid));
        send(
          200,
          list(
            rows.map((d) => deviceResource(d, base)),
            url,
            base,
            fake.pageSize,
          ),
        );
        return;
      }
      if (method === "POST" && path === "/v1/devices") {
        if (!mayProvision) return forbidden();
        const body = await readBody(req);
        const data = body?.data as Json | undefined;
        const attributes = (data?.attributes ?? {}) as Json;
        if (data?.type !== "devices" || typeof attributes.udid !== "string" || typeof attributes.name !== "string") {
          send(
            422,
            apiError(
              422,
              "ENTITY_ERROR.ATTRIBUTE.REQUIRED",
              "A required attribute is missing.",
              "You must provide a value for the attributes 'name' and 'udid' with this request",
            ),
          );
          return;
        }
        const udid = attributes.udid;
        // Apple's words for both refusals (sources in lib/app-store-connect/client.ts).
        if (fake.devices.some((d) => d.udid.toUpperCase() === udid.toUpperCase())) {
          send(
            409,
            apiError(
              409,
              "ENTITY_ERROR",
              "There is a problem with the request entity",
              `A device with number '${udid}' already exists on this team.`,
            ),
          );
          return;
        }
        const deviceClass = deviceClassOf(udid);
        if (fake.devices.filter((d) => d.deviceClass === deviceClass).length >= fake.deviceLimit) {
          send(
            403,
            apiError(
              403,
              "FORBIDDEN_ERROR",
              "This request is forbidden for security reasons",
              `Your development team has reached the maximum number of registered ${deviceClass === "IPAD" ? "iPad" : "iPhone"} devices.`,
            ),
          );
          return;
        }
        const device = fake.addDevice(udid, attributes.name, deviceClass);
        send(201, { data: deviceResource(device, base), links: { self: `${base}/v1/devices/${device.id}` } });
        return;
      }
      if (method === "GET" && path === "/v1/bundleIds") {
        const identifier = url.searchParams.get("filter[identifier]");
        // Apple's filter matches identifiers that contain the value; callers pick the exact one.
        const rows = fake.bundleIds.filter((b) => !identifier || b.identifier.includes(identifier));
        send(
          200,
          list(
            rows.map((b) => bundleIdResource(b, base)),
            url,
            base,
            fake.pageSize,
          ),
        );
        return;
      }
      if (method === "GET" && path === "/v1/certificates") {
        if (!mayProvision) return forbidden();
        send(
          200,
          list(
            fake.certificates.map((c) => certificateResource(c, base)),
            url,
            base,
            fake.pageSize,
          ),
        );
        return;
      }
      if (method === "GET" && path === "/v1/profiles") {
        if (!mayProvision) return forbidden();
        const name = url.searchParams.get("filter[name]");
        const rows = fake.profiles.filter((p) => !name || p.name === name);
        send(
          200,
          list(
            rows.map((p) => profileResource(p, base)),
            url,
            base,
            fake.pageSize,
          ),
        );
        return;
      }
      if (method === "POST" && path === "/v1/profiles") {
        if (!mayProvision) return forbidden();
        const body = await readBody(req);
        const data = body?.data as Json | undefined;
        const attributes = (data?.attributes ?? {}) as Json;
        const rel = (data?.relationships ?? {}) as Record<string, { data?: unknown } | undefined>;
        const ids = (r: { data?: unknown } | undefined) =>
          (Array.isArray(r?.data) ? r.data : r?.data ? [r.data] : []).map((x) => String((x as Json).id));
        if (
          data?.type !== "profiles" ||
          typeof attributes.name !== "string" ||
          !PROFILE_TYPES.has(String(attributes.profileType))
        ) {
          send(
            422,
            apiError(
              422,
              "ENTITY_ERROR.ATTRIBUTE.INVALID",
              "An attribute value is invalid.",
              "Provide a name and a profileType.",
            ),
          );
          return;
        }
        const bundleId = ids(rel.bundleId)[0] ?? "";
        const bundle = fake.bundleIds.find((b) => b.id === bundleId);
        if (!bundle) return notFound("bundleIds", bundleId);
        const certificates = ids(rel.certificates).map((id) => fake.certificates.find((c) => c.id === id));
        if (certificates.length === 0 || certificates.some((c) => !c)) {
          // Not confirmed by any source: Ferry treats it as a plain refusal (asc_refused).
          return invalid("There are no current certificates on this team matching the provided certificate IDs.");
        }
        const devices = ids(rel.devices).map((id) => fake.devices.find((d) => d.id === id));
        if (devices.some((d) => !d))
          return invalid("There are no current ios devices on this team matching the provided device IDs.");
        if (fake.profiles.some((p) => p.name === attributes.name)) {
          return invalid(
            `Multiple profiles found with the name '${attributes.name}'.  Please remove the duplicate profiles and try again.`,
          );
        }
        const profile = mintProfile({
          name: attributes.name,
          profileType: String(attributes.profileType),
          bundle,
          certificates: certificates as FakeCertificate[],
          devices: devices as FakeDevice[],
        });
        fake.profiles.push(profile);
        send(201, { data: profileResource(profile, base), links: { self: `${base}/v1/profiles/${profile.id}` } });
        return;
      }
      const deleting = /^\/v1\/profiles\/([^/]+)$/.exec(path);
      if (method === "DELETE" && deleting) {
        if (!mayProvision) return forbidden();
        const id = decodeURIComponent(deleting[1] as string);
        const index = fake.profiles.findIndex((p) => p.id === id);
        if (index < 0) return notFound("profiles", id);
        fake.profiles.splice(index, 1);
        send(204, null);
        return;
      }
      send(
        404,
        apiError(
          404,
          "NOT_FOUND",
          "The specified resource does not exist",
          `The path provided does not match a defined resource type.`,
        ),
      );
    })().catch((error: unknown) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify(apiError(500, "UNEXPECTED_ERROR", "An unexpected error occurred.", String(error))));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  fake.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  fake.close = () => new Promise<void>((r) => server.close(() => r()));
  return fake;
}
