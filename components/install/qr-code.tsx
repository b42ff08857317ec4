import QRCode from "qrcode";

/**
 * Server-rendered QR code (SVG) of exactly `value`. Synchronous on purpose: the
 * pages without the React runtime render to a string (lib/boot/pages-renderer.ts),
 * and a component that awaits would make them render a second time with the edge build.
 */
export function QrCode({ value, label, size = 176 }: { value: string; label: string; size?: number }) {
  const svg = qrSvg(value);
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

function qrSvg(value: string): string {
  let svg = "";
  // One byte-mode segment: qrcode otherwise searches the cheapest mix of modes (a shortest-path walk over
  // the text), a few ms of every install page for a URL whose lowercase letters are byte mode anyway.
  // With a callback, qrcode renders synchronously and calls it before returning.
  QRCode.toString(
    [{ data: Buffer.from(value, "utf8"), mode: "byte" }],
    { type: "svg", errorCorrectionLevel: "M", margin: 2 },
    (error, out) => {
      if (error) throw error;
      svg = out;
    },
  );
  if (!svg) throw new Error("qrcode did not render synchronously");
  return svg;
}
