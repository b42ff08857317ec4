import { randomBytes } from "node:crypto";
import { installLinks } from "@/lib/install-links/urls";
import { buildManifest } from "@/lib/manifest/build-manifest";

/** What a manifest says about its build. */
export type ManifestBuild = { id: string; bundleId: string; version: string; name: string };

/**
 * The manifest of a build stored on Ferry's own disk, for one token. Its URLs
 * are the public URL, the token and fixed paths, so the XML is built once per
 * build with a placeholder where the token goes and the token is spliced in
 * per request. A token that passed verification is canonical base64url with
 * one dot, which neither URL-encoding nor XML escaping changes: the result is
 * byte for byte what `buildManifest` gives for that token.
 */
export function manifestForToken(publicUrl: string, token: string, build: ManifestBuild): string {
  if (!TOKEN_SAFE.test(token)) return buildFor(publicUrl, token, build);
  const key = JSON.stringify([publicUrl, build.id, build.bundleId, build.version, build.name]);
  let parts = templates.get(key);
  if (!parts) {
    parts = buildFor(publicUrl, PLACEHOLDER, build).split(PLACEHOLDER);
    // Three URLs carry the token; anything else (the placeholder in a title?) is built the slow way.
    if (parts.length !== 4) return buildFor(publicUrl, token, build);
    if (templates.size >= MAX_TEMPLATES) templates.clear();
    templates.set(key, parts);
  }
  return parts.join(token);
}

const TOKEN_SAFE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// Per process and unguessable, so no uploaded title can contain it by design.
const PLACEHOLDER = `ferrytoken${randomBytes(16).toString("hex")}`;
// Far above the builds installed at once; beyond it the cache starts over rather than growing.
const MAX_TEMPLATES = 1_000;
const templates = new Map<string, string[]>();

/** The manifest built in full for one token (no template): what `manifestForToken` must equal. */
export function buildFor(publicUrl: string, token: string, build: ManifestBuild): string {
  const links = installLinks(publicUrl, token);
  return buildManifest({
    ipaUrl: links.ipaUrl,
    displayImageUrl: links.icon57Url,
    fullSizeImageUrl: links.icon512Url,
    bundleId: build.bundleId,
    bundleVersion: build.version,
    title: build.name,
  });
}
