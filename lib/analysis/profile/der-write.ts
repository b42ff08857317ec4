/**
 * Minimal DER encoder: just what Ferry needs to write a CMS SignedData
 * envelope (signing enrollment profiles). Reading lives in ./der.ts.
 */

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

export const derWrite = {
  seq: (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items)),
  /** SET OF: DER sorts the encodings. */
  set: (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat([...items].sort(Buffer.compare))),
  smallInt: (n: number): Buffer => tlv(0x02, Buffer.from([n])),
  octets: (body: Buffer): Buffer => tlv(0x04, body),
  nul: (): Buffer => Buffer.from([0x05, 0x00]),
  utcTime: (d: Date): Buffer =>
    tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-T:]/g, "")}Z`, "latin1")),
  /** Context-specific constructed [n]. */
  ctx: (n: number, body: Buffer): Buffer => tlv(0xa0 | n, body),
  oid(dotted: string): Buffer {
    const arcs = dotted.split(".").map(Number);
    const out: number[] = [(arcs[0] ?? 0) * 40 + (arcs[1] ?? 0)];
    for (const arc of arcs.slice(2)) {
      const digits: number[] = [];
      let v = arc;
      do {
        digits.unshift(v & 0x7f);
        v = Math.floor(v / 128);
      } while (v > 0);
      for (let i = 0; i < digits.length - 1; i++) digits[i] = (digits[i] ?? 0) | 0x80;
      out.push(...digits);
    }
    return tlv(0x06, Buffer.from(out));
  },
};
