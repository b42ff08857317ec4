/**
 * The element id of a row or card on a page whose forms post to it
 * (lib/server-actions/plain-post.ts): where the page comes back to after one
 * of that row's forms posts, so a long page does not jump to its top.
 */
export function rowId(kind: "user" | "group" | "app" | "device" | "channel", id: string): string {
  return `${kind}-${id}`;
}
