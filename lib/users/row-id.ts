/** The element id of a user's row on the users page: where the page comes back to after a row's form posts. */
export function userRowId(userId: string): string {
  return `user-${userId}`;
}
