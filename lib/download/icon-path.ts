// No server imports: the pages' client components build icon URLs too.

/** The stable, cookie-authorized URL of a build's icon on Ferry's pages (relative to the site). */
export function pageIconPath(build: { id: string; appId: string }, size: 64 | 128): string {
  return `/apps/${build.appId}/builds/${build.id}/icon-${size}.png`;
}
