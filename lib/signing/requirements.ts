import { CSMAGIC, serializeSuperBlob } from "@/lib/verify/signature-blobs";

/**
 * Compiles the subset of Apple's code requirement language that codesign
 * emits as the designated requirement of iOS code, into the binary form of
 * Security's requirement compiler (cs_blobs.h / requirement.h):
 *
 *   identifier "com.example.app" and anchor apple generic
 *     and certificate leaf[subject.CN] = "Apple Distribution: Example (TEAM)"
 *     and certificate 1[field.1.2.840.113635.100.6.2.1] /* exists *\/
 *
 * plus `anchor apple`, `certificate root = H"<sha1>"` (self-signed identities)
 * and `exists`. Terms joined by `and` nest to the right, as Apple's compiler
 * builds them. Anything else is refused, not guessed.
 */

const OP = {
  IDENT: 2,
  APPLE_ANCHOR: 3,
  ANCHOR_HASH: 4,
  AND: 6,
  CERT_FIELD: 11,
  CERT_GENERIC: 14,
  APPLE_GENERIC_ANCHOR: 15,
} as const;
const MATCH = { EXISTS: 0, EQUAL: 1 } as const;
const EXPR_FORM = 1;
/** Requirement types inside a requirements set: the designated requirement is type 3. */
export const REQUIREMENT_TYPE = { HOST: 1, GUEST: 2, DESIGNATED: 3, LIBRARY: 4 } as const;
const CERT_LEAF = 0;
const CERT_ROOT = -1;

export class RequirementSyntaxError extends Error {}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(value | 0, 0);
  return out;
}

/** Length-prefixed bytes padded with zeros to a 4-byte boundary. */
function dataField(bytes: Buffer): Buffer {
  const padding = (4 - (bytes.length % 4)) % 4;
  return Buffer.concat([u32(bytes.length), bytes, Buffer.alloc(padding)]);
}

/** The DER contents octets of an OID ("1.2.840…" → 2a 86 48 …). */
export function encodeOid(dotted: string): Buffer {
  const parts = dotted.split(".").map((p) => {
    if (!/^\d+$/.test(p)) throw new RequirementSyntaxError(`"${dotted}" is not an OID`);
    return BigInt(p);
  });
  if (parts.length < 2) throw new RequirementSyntaxError(`"${dotted}" is not an OID`);
  const arcs = [(parts[0] as bigint) * 40n + (parts[1] as bigint), ...parts.slice(2)];
  const out: number[] = [];
  for (const arc of arcs) {
    const bytes = [Number(arc & 0x7fn)];
    for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) bytes.unshift(Number(rest & 0x7fn) | 0x80);
    out.push(...bytes);
  }
  return Buffer.from(out);
}

type Token = { kind: "word" | "string" | "hex" | "symbol"; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const rest = source.slice(at);
    const space = /^(\s+|\/\*.*?\*\/)/s.exec(rest);
    // "/* exists */" is how codesign prints an exists match: it is the default, so a comment is harmless.
    if (space) {
      at += space[0].length;
      continue;
    }
    const hex = /^H"([0-9a-fA-F]*)"/.exec(rest);
    if (hex) {
      tokens.push({ kind: "hex", text: hex[1] as string });
      at += hex[0].length;
      continue;
    }
    if (rest.startsWith('"')) {
      let text = "";
      let i = 1;
      for (; i < rest.length && rest[i] !== '"'; i++) text += rest[i] === "\\" ? rest[++i] : rest[i];
      if (i >= rest.length) throw new RequirementSyntaxError("unterminated string");
      tokens.push({ kind: "string", text });
      at += i + 1;
      continue;
    }
    const word = /^[A-Za-z0-9_.-]+/.exec(rest);
    if (word) {
      tokens.push({ kind: "word", text: word[0] });
      at += word[0].length;
      continue;
    }
    if ("[]=".includes(rest[0] as string)) {
      tokens.push({ kind: "symbol", text: rest[0] as string });
      at += 1;
      continue;
    }
    throw new RequirementSyntaxError(`unexpected "${rest.slice(0, 10)}"`);
  }
  return tokens;
}

/** Compiles one requirement expression into its Requirement blob (magic 0xfade0c00). */
export function compileRequirement(source: string): Buffer {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = (): Token => {
    const token = tokens[pos++];
    if (!token) throw new RequirementSyntaxError("unexpected end of requirement");
    return token;
  };
  const expect = (text: string) => {
    const token = next();
    if (token.text !== text || token.kind === "string")
      throw new RequirementSyntaxError(`expected "${text}", got "${token.text}"`);
  };
  const stringValue = (): Buffer => {
    const token = next();
    if (token.kind !== "string" && token.kind !== "word")
      throw new RequirementSyntaxError(`expected a string, got "${token.text}"`);
    return Buffer.from(token.text, "utf8");
  };

  const certSlot = (): number => {
    const token = next();
    if (token.text === "leaf") return CERT_LEAF;
    if (token.text === "root") return CERT_ROOT;
    if (/^-?\d+$/.test(token.text)) return Number(token.text);
    throw new RequirementSyntaxError(`unknown certificate "${token.text}"`);
  };

  const term = (): Buffer => {
    const head = next();
    if (head.text === "identifier") return Buffer.concat([u32(OP.IDENT), dataField(stringValue())]);
    if (head.text === "anchor") {
      expect("apple");
      if (peek()?.text === "generic") {
        pos++;
        return u32(OP.APPLE_GENERIC_ANCHOR);
      }
      return u32(OP.APPLE_ANCHOR);
    }
    if (head.text === "certificate" || head.text === "cert") {
      const slot = certSlot();
      if (peek()?.text === "=") {
        pos++;
        const hash = next();
        if (hash.kind !== "hex") throw new RequirementSyntaxError('expected H"…" after certificate =');
        return Buffer.concat([u32(OP.ANCHOR_HASH), u32(slot), dataField(Buffer.from(hash.text, "hex"))]);
      }
      expect("[");
      const field = next().text;
      expect("]");
      let match: Buffer;
      if (peek()?.text === "=") {
        pos++;
        match = Buffer.concat([u32(MATCH.EQUAL), dataField(stringValue())]);
      } else {
        if (peek()?.text === "exists") pos++;
        match = u32(MATCH.EXISTS);
      }
      if (field.startsWith("field.")) {
        return Buffer.concat([u32(OP.CERT_GENERIC), u32(slot), dataField(encodeOid(field.slice(6))), match]);
      }
      if (field.startsWith("subject.") || field.startsWith("issuer.")) {
        return Buffer.concat([u32(OP.CERT_FIELD), u32(slot), dataField(Buffer.from(field, "utf8")), match]);
      }
      throw new RequirementSyntaxError(`unsupported certificate field "${field}"`);
    }
    throw new RequirementSyntaxError(`unsupported requirement term "${head.text}"`);
  };

  const expression = (): Buffer => {
    const left = term();
    if (peek()?.text !== "and") return left;
    pos++;
    return Buffer.concat([u32(OP.AND), left, expression()]);
  };

  const body = expression();
  if (pos !== tokens.length) throw new RequirementSyntaxError(`unexpected "${tokens[pos]?.text}"`);
  const header = Buffer.alloc(12);
  header.writeUInt32BE(CSMAGIC.REQUIREMENT, 0);
  header.writeUInt32BE(12 + body.length, 4);
  header.writeUInt32BE(EXPR_FORM, 8);
  return Buffer.concat([header, body]);
}

/** A requirements set (magic 0xfade0c01) holding the given requirements by type. */
export function requirementsBlob(requirements: ReadonlyArray<{ type: number; requirement: Buffer }>): Buffer {
  const sorted = [...requirements].sort((a, b) => a.type - b.type);
  return serializeSuperBlob(
    sorted.map((r) => ({ type: r.type, data: r.requirement })),
    CSMAGIC.REQUIREMENTS,
  );
}

/** The requirements blob of a signature whose only requirement is this designated one. */
export function designatedRequirementsBlob(source: string): Buffer {
  return requirementsBlob([{ type: REQUIREMENT_TYPE.DESIGNATED, requirement: compileRequirement(source) }]);
}

/** What codesign writes as the designated requirement of iOS code signed by an Apple-issued identity. */
export function iosDesignatedRequirement(identifier: string, certificateCommonName: string): string {
  const quote = (s: string) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  return (
    `identifier ${quote(identifier)} and anchor apple generic and certificate leaf[subject.CN] = ${quote(certificateCommonName)}` +
    " and certificate 1[field.1.2.840.113635.100.6.2.1] /* exists */"
  );
}
