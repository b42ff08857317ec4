import type { ActionState } from "@/lib/server-actions/action-state";

/** A form's outcome under it: the success message (role=status) or the error (role=alert). */
export function FormMessage({ state, success }: { state: ActionState; success?: string }) {
  if (!state) return null;
  if (state.ok) {
    const message = state.message ?? success;
    if (!message) return null;
    return state.tone === "warning" ? (
      <p
        role="status"
        data-testid="form-warning"
        className="basis-full rounded-md border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
      >
        {message}
      </p>
    ) : (
      <p role="status" data-testid="form-success" className="basis-full text-sm text-emerald-700 dark:text-emerald-300">
        {message}
      </p>
    );
  }
  return (
    <p role="alert" data-testid="form-error" className="basis-full text-sm text-red-700 dark:text-red-300">
      {state.error}
    </p>
  );
}
