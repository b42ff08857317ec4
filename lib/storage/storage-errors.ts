import { AppError } from "@/lib/errors";

/** The disk (or the user's quota) is full. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

/** A full disk becomes 507 `insufficient_storage`; anything else passes through unchanged. */
export function asStorageError(error: unknown): unknown {
  if (!isDiskFull(error)) return error;
  return new AppError(
    "insufficient_storage",
    "The server has no space left to store this upload. Ask the administrator to free disk space, then upload again.",
    { cause: error },
  );
}
