import QRCode from "qrcode";

/** Server-rendered QR code (SVG) of exactly `value`. */
export async function QrCode({ value, label, size = 176 }: { value: string; label: string; size?: number }) {
  // One byte-mode segment: qrcode otherwise searches the cheapest mix of modes (a shortest-path walk over
  // the text), a few ms of every install page for a URL whose lowercase letters are byte mode anyway.
  const svg = await QRCode.toString([{ data: Buffer.from(value, "utf8"), mode: "byte" }], {
    type: "svg",
    errorCorrectionLevel: "M",
    margin: 2,
  });
  return (
    <figure
      data-testid="install-qr"
      role="img"
      aria-label={label}
      className="rounded-lg border border-slate-200 bg-white p-1"
      style={{ width: size, height: size }}
      // qrcode produces a self-contained SVG from our own string; nothing user-supplied is interpreted as markup.
      dangerouslySetInnerHTML={{ __html: svg }}
    />
  );
}
