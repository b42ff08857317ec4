/**
 * Pieces of the PNG format that both the decoder (cgbi.ts) and the encoder
 * (encode.ts) need; one definition so the two cannot drift apart.
 */

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The Paeth predictor of PNG filter type 4 (PNG spec §9.4): of left `a`, up `b`
 * and upper-left `c`, the one closest to a + b − c, ties going to a, then b.
 */
export function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}
