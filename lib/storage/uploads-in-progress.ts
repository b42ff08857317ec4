/**
 * Temporary upload files this process is still working on, so the periodic
 * sweep never removes one however old its mtime (e.g. while it is analysed).
 * On globalThis: the route handlers (bundled by Next.js) and the launcher's
 * sweep load separate copies of this module.
 */
const holder = globalThis as typeof globalThis & { ferryUploadsInProgress?: Set<string> };

function registry(): Set<string> {
  holder.ferryUploadsInProgress ??= new Set();
  return holder.ferryUploadsInProgress;
}

export function markUploadInProgress(file: string): void {
  registry().add(file);
}

export function markUploadDone(file: string): void {
  registry().delete(file);
}

export function isUploadInProgress(file: string): boolean {
  return registry().has(file);
}
