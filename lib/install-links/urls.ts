import { AppError } from "@/lib/errors";

/**
 * Absolute URLs for over-the-air installs. Always built from the configured
 * public base URL, never from the Host header (which a client controls and
 * which is wrong behind a reverse proxy). The base may carry a path prefix,
 * e.g. `https://example.com/ferry/`.
 *
 * Route paths implemented by the app:
 *   /d/<token>/manifest.plist, /d/<token>/app.ipa,
 *   /d/<token>/icon-57.png, /d/<token>/icon-512.png,
 *   /apps/<appId>/builds/<buildId>, /apps/<appId>/builds/<buildId>/install,
 *   /apps/<appId>/channels/<channel>, /apps/<appId>/channels/<channel>/install
 */

export type IconSize = 57 | 512;

export interface InstallLinks {
  manifestUrl: string;
  ipaUrl: string;
  /** 57×57 icon: the manifest's `display-image`. */
  icon57Url: string;
  /** 512×512 icon: the manifest's `full-size-image`. */
  icon512Url: string;
  /** What an "Install" button links to on the device. */
  itmsServicesUrl: string;
}

export function manifestUrl(publicUrl: string, token: string): string {
  return joinPath(publicUrl, "d", token, "manifest.plist");
}

export function ipaUrl(publicUrl: string, token: string): string {
  return joinPath(publicUrl, "d", token, "app.ipa");
}

export function iconUrl(publicUrl: string, token: string, size: IconSize): string {
  if (size !== 57 && size !== 512) {
    throw new RangeError(`Unsupported icon size: ${String(size)}`);
  }
  return joinPath(publicUrl, "d", token, `icon-${size}.png`);
}

/** The URL iOS needs; the manifest URL must be fully percent-encoded inside it. */
export function itmsServicesUrl(manifestUrlValue: string): string {
  return `itms-services://?action=download-manifest&url=${encodeURIComponent(manifestUrlValue)}`;
}

export function buildPageUrl(publicUrl: string, appId: string, buildId: string): string {
  return joinPath(publicUrl, "apps", appId, "builds", buildId);
}

export function installLinks(publicUrl: string, token: string): InstallLinks {
  const manifest = manifestUrl(publicUrl, token);
  return {
    manifestUrl: manifest,
    ipaUrl: ipaUrl(publicUrl, token),
    icon57Url: iconUrl(publicUrl, token, 57),
    icon512Url: iconUrl(publicUrl, token, 512),
    itmsServicesUrl: itmsServicesUrl(manifest),
  };
}

/**
 * `origin + basePath + "/" + encoded segments`. Query and fragment of the
 * base are dropped: they would end up in front of our path otherwise.
 */
function joinPath(publicUrl: string, ...segments: string[]): string {
  const base = parseBase(publicUrl);
  const path = segments
    .map((segment) => {
      // "." and ".." would be resolved away by clients even when encoded.
      if (segment.length === 0 || segment === "." || segment === "..") {
        throw new RangeError(`Invalid URL path segment: "${segment}"`);
      }
      // Tokens and ids are already path-safe; encoding guards against ids that
      // are not ("/", "?", "#", "..") silently changing the route.
      return encodeURIComponent(segment);
    })
    .join("/");
  return `${base}/${path}`;
}

function parseBase(publicUrl: string): string {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch (cause) {
    throw new AppError("internal", "The configured public URL is not a valid URL.", { cause });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AppError("internal", "The configured public URL must use http or https.");
  }
  // URL.pathname is already normalized and percent-encoded; "/" for no prefix.
  const prefix = url.pathname.replace(/\/+$/, "");
  return `${url.origin}${prefix}`;
}

/** An app's install page (every version the reader sees). */
export function appPageUrl(publicUrl: string, appId: string): string {
  return joinPath(publicUrl, "apps", appId);
}

/** The stable page of a channel: always its newest build. */
export function channelPageUrl(publicUrl: string, appId: string, channel: string): string {
  return joinPath(publicUrl, "apps", appId, "channels", channel);
}

/** Mints a fresh install link at tap time and sends iOS on to it (cookie session, not the daemon). */
export function channelInstallUrl(publicUrl: string, appId: string, channel: string): string {
  return joinPath(publicUrl, "apps", appId, "channels", channel, "install");
}
