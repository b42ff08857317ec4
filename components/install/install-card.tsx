import { InstallGuidance } from "@/components/install/install-guidance";
import { QrCode } from "@/components/install/qr-code";
import type { BuildLinks } from "@/lib/install-links/install-links-for";

export async function InstallCard({ links, label }: { links: BuildLinks; label: string }) {
  return (
    <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
      <div className="flex flex-1 flex-col gap-3">
        <a
          href={links.itmsServicesUrl}
          data-testid="install-link"
          className="inline-flex w-full items-center justify-center rounded-lg bg-sky-600 px-5 py-3 text-base font-semibold text-white shadow-sm hover:bg-sky-700 sm:w-auto"
        >
          Install {label}
        </a>
        <InstallGuidance pageUrl={links.pageUrl} />
        <p className="text-xs text-slate-500">
          This link is personal and expires {new Date(links.expiresAt).toUTCString()}.
        </p>
      </div>
      <QrCode value={links.itmsServicesUrl} label={`QR code to install ${label}`} />
    </div>
  );
}
