import dns from "node:dns";
import net from "node:net";
import { env } from "@/lib/config/env";

/**
 * Where webhooks may be delivered. A webhook URL is typed by an admin but
 * fetched by the server, so without a policy it reaches what only the server
 * can reach: itself, the cloud metadata service, the internal network.
 *
 * Loopback, link-local, metadata, unspecified, multicast and reserved addresses
 * are always refused; private ranges unless WEBHOOK_ALLOW_PRIVATE=true (an
 * internal portal may post to an internal chat server). The URL is checked when
 * it is saved (literal addresses and known names) and again at every delivery,
 * on each address the name resolves to, inside the socket's own lookup, so the
 * address checked is the one connected to (no second resolution to rebind).
 */

export type AddressPolicy = {
  /** 10/8, 172.16/12, 192.168/16, 100.64/10, 198.18/15, fc00::/7: WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** 127/8 and ::1 (never 0.0.0.0 or ::): WEBHOOK_ALLOW_LOOPBACK, for tests only. */
  allowLoopback: boolean;
};

export type AddressClass = "public" | "private" | "loopback" | "link-local" | "metadata" | "unspecified" | "reserved";

// Most specific first: the first list that matches decides.
const IPV4_RANGES: [string, number, AddressClass][] = [
  ["169.254.169.254", 32, "metadata"], // AWS, GCP, Azure, Oracle, DigitalOcean…
  ["100.100.100.200", 32, "metadata"], // Alibaba Cloud
  ["0.0.0.0", 8, "unspecified"], // "this host": connecting to 0.0.0.0 reaches loopback on Linux
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["10.0.0.0", 8, "private"],
  ["172.16.0.0", 12, "private"],
  ["192.168.0.0", 16, "private"],
  ["100.64.0.0", 10, "private"], // carrier-grade NAT, used inside cloud networks
  ["198.18.0.0", 15, "private"], // benchmarking, used inside networks
  ["224.0.0.0", 4, "reserved"], // multicast
  ["240.0.0.0", 4, "reserved"], // reserved and broadcast
];
const IPV6_RANGES: [string, number, AddressClass][] = [
  ["fd00:ec2::254", 128, "metadata"], // AWS over IPv6
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["fe80::", 10, "link-local"],
  ["fc00::", 7, "private"], // unique local addresses
  ["fec0::", 10, "private"], // deprecated site-local
  ["ff00::", 8, "reserved"], // multicast
];

function blockLists(ranges: [string, number, AddressClass][], family: "ipv4" | "ipv6") {
  return ranges.map(([address, prefix, kind]) => {
    const list = new net.BlockList();
    list.addSubnet(address, prefix, family);
    return { list, kind };
  });
}
const IPV4_LISTS = blockLists(IPV4_RANGES, "ipv4");
const IPV6_LISTS = blockLists(IPV6_RANGES, "ipv6");

/** Names that mean this machine or a metadata service whatever DNS says. */
const METADATA_NAMES = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
]);

/** The eight 16-bit groups of an IPv6 address (zone dropped, a dotted IPv4 tail folded in), or null. */
function ipv6Groups(text: string): number[] | null {
  let s = text.split("%")[0] ?? "";
  if (!net.isIPv6(s)) return null;
  const tailStart = s.lastIndexOf(":") + 1;
  const tail = s.slice(tailStart);
  if (tail.includes(".")) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split(".").map(Number);
    s = `${s.slice(0, tailStart)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", rest] = s.split("::");
  const parse = (part: string) => (part ? part.split(":").map((g) => Number.parseInt(g, 16)) : []);
  const front = parse(head);
  if (rest === undefined) return front;
  const back = parse(rest);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function classifyIpv4(address: string): AddressClass {
  return IPV4_LISTS.find(({ list }) => list.check(address, "ipv4"))?.kind ?? "public";
}

/** What kind of address `address` (IPv4 or IPv6 text, no brackets) is; null when it is not an IP address. */
export function classifyAddress(address: string): AddressClass | null {
  if (net.isIPv4(address)) return classifyIpv4(address);
  const g = ipv6Groups(address);
  if (!g) return null;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  const embedded = () => `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  // IPv4 carried in IPv6 is judged as the IPv4 address it reaches:
  // mapped (::ffff:a.b.c.d), compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::a.b.c.d).
  if (zeros(0, 5) && g[5] === 0xffff) return classifyIpv4(embedded());
  if (zeros(0, 6) && !(g[6] === 0 && (g[7] ?? 0) <= 1)) return classifyIpv4(embedded());
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return classifyIpv4(embedded());
  const canonical = g.map((x) => x.toString(16)).join(":");
  return IPV6_LISTS.find(({ list }) => list.check(canonical, "ipv6"))?.kind ?? "public";
}

/** The class of a host name known without DNS: localhost names and metadata services; null otherwise. */
function classifyName(hostname: string): AddressClass | null {
  const name = hostname.toLowerCase().replace(/\.+$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return "loopback";
  if (METADATA_NAMES.has(name)) return "metadata";
  return null;
}

const REASONS: Record<Exclude<AddressClass, "public">, string> = {
  private: "a private network address (set WEBHOOK_ALLOW_PRIVATE=true to allow receivers inside the network)",
  loopback: "a loopback address (this server itself)",
  "link-local": "a link-local address",
  metadata: "a cloud metadata service",
  unspecified: "an unspecified address (0.0.0.0 or ::)",
  reserved: "a multicast or reserved address",
};

function refusalFor(kind: AddressClass, policy: AddressPolicy): string | null {
  if (kind === "public") return null;
  if (kind === "private" && policy.allowPrivate) return null;
  if (kind === "loopback" && policy.allowLoopback) return null;
  return REASONS[kind];
}

/** Why a connection to `address` (an IP address) is refused, or null when it is allowed. */
export function addressRefusal(address: string, policy: AddressPolicy): string | null {
  const kind = classifyAddress(address);
  // Not an IP address at all: nothing to connect to, refuse rather than guess.
  return kind === null ? "not an IP address" : refusalFor(kind, policy);
}

/** The host of a parsed URL without IPv6 brackets. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

export type CheckedUrl = { ok: true; url: URL } | { ok: false; problem: string };

/**
 * Parses a webhook URL the way delivery will (WHATWG: `2130706433`, `0177.0.0.1`,
 * `0x7f.1`, `127.1` and `http:/\127.0.0.1` all become 127.0.0.1) and checks what
 * can be checked without DNS: scheme, no user name or password, literal
 * addresses and well-known names. Host names are checked again, resolved, at
 * every delivery.
 */
export function checkWebhookUrl(value: string, policy: AddressPolicy): CheckedUrl {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, problem: "The webhook URL must be an http:// or https:// URL." };
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    return { ok: false, problem: "The webhook URL must be an http:// or https:// URL." };
  }
  if (url.username || url.password) {
    return { ok: false, problem: "The webhook URL must not contain a user name or password (user:pass@)." };
  }
  const host = bareHost(url);
  const kind = classifyAddress(host) ?? classifyName(host);
  const refusal = kind ? refusalFor(kind, policy) : null;
  if (refusal) return { ok: false, problem: `Webhooks may not be sent to ${host}: ${refusal}.` };
  return { ok: true, url };
}

export type ResolvedAddress = { address: string; family: number };
/** Resolves a host name to every address it has (the system resolver, like any connection would). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** A delivery refused by the address policy (no connection was made). */
export class RefusedAddressError extends Error {
  readonly code = "EREFUSEDADDRESS";
  constructor(message: string) {
    super(message);
    this.name = "RefusedAddressError";
  }
}

/**
 * A `lookup` for net/http/https: resolves the name, refuses it when any of its
 * addresses is refused (a name with one internal address is not a public
 * receiver), and hands the socket exactly the addresses it checked.
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolve = systemResolve): net.LookupFunction {
  return (hostname, options, callback) => {
    const fail = (error: NodeJS.ErrnoException) => callback(error, "", 0);
    const nameKind = classifyName(hostname);
    const nameRefusal = nameKind ? refusalFor(nameKind, policy) : null;
    if (nameRefusal) {
      fail(new RefusedAddressError(`refused: ${hostname} is ${nameRefusal}`));
      return;
    }
    resolve(hostname).then(
      (all) => {
        for (const { address } of all) {
          const refusal = addressRefusal(address, policy);
          if (refusal) {
            fail(new RefusedAddressError(`refused: ${hostname} resolves to ${refusal}`));
            return;
          }
        }
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = family ? all.filter((a) => a.family === family) : all;
        const first = usable[0];
        if (!first) {
          fail(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }));
        } else if (options.all) {
          callback(null, usable);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => fail(error),
    );
  };
}

/** The policy this server runs with (WEBHOOK_ALLOW_PRIVATE, WEBHOOK_ALLOW_LOOPBACK). */
export function webhookAddressPolicy(): AddressPolicy {
  const { webhookAllowPrivate, webhookAllowLoopback } = env();
  return { allowPrivate: webhookAllowPrivate, allowLoopback: webhookAllowLoopback };
}
