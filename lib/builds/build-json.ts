import { buildWarnings } from "@/lib/analysis/build-warnings";
import type { BuildDto } from "@/lib/builds/data";
import { installLinksFor } from "@/lib/install-links/install-links-for";
import type { UserDto } from "@/lib/users/data";
import { codeSignatureAt } from "@/lib/verify/stored-code-signature";

/** A build as the API returns it: its data, the caller's own install links, and current warnings. */
export function buildJson(
  build: BuildDto,
  user: Pick<UserDto, "id" | "sessionVersion" | "sessionId">,
  now = new Date(),
) {
  const links = installLinksFor(user, build, now);
  return {
    id: build.id,
    appId: build.appId,
    bundleId: build.bundleId,
    version: build.version,
    buildNumber: build.buildNumber,
    name: build.name,
    minimumOsVersion: build.minimumOsVersion,
    sizeBytes: build.sizeBytes,
    sha256: build.sha256,
    notes: build.notes,
    channels: build.channels,
    createdAt: build.createdAt,
    uploadedBy: build.uploadedBy,
    appAdminsOnly: build.appAdminsOnly,
    pageUrl: links.pageUrl,
    manifestUrl: links.manifestUrl,
    installUrl: links.itmsServicesUrl,
    iconUrl: links.icon512Url,
    installLinkExpiresAt: links.expiresAt,
    warnings: buildWarnings(build, now),
    analysis: build.analysis,
    codeSignature: codeSignatureAt(build.codeSignature, now),
    resignedFrom: build.resignedFrom,
  };
}
