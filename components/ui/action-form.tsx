"use client";

import { createContext, type ReactNode, startTransition, useActionState, useContext, useEffect, useRef } from "react";
import { FormMessage } from "@/components/ui/form-message";
import type { ActionState } from "@/lib/server-actions/action-state";

type Action = (state: ActionState, formData: FormData) => Promise<ActionState>;

const PendingContext = createContext(false);

/**
 * A form bound to a server action through `useActionState`: shows the
 * action's error (or success message) inline, keeps what was typed when the
 * action fails, clears the form when it succeeds, and can ask for confirmation
 * first. Without JavaScript it still posts to the action.
 */
export function ActionForm({
  action,
  children,
  confirm,
  success,
  resetOnSuccess = true,
  className,
  testId,
  label,
  result,
}: {
  action: Action;
  children: ReactNode;
  /** Asked with window.confirm before submitting. */
  confirm?: string;
  /** Shown after a successful submission (the action's own message wins). */
  success?: string;
  resetOnSuccess?: boolean;
  className?: string;
  testId?: string;
  /** Accessible name of the form. */
  label?: string;
  /** Extra output for the action's result (e.g. a new token), under the message. */
  result?: (state: ActionState) => ReactNode;
}) {
  const [state, formAction, pending] = useActionState(action, null);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (state?.ok && resetOnSuccess) form.current?.reset();
  }, [state, resetOnSuccess]);

  return (
    <form
      ref={form}
      action={formAction}
      aria-label={label}
      data-testid={testId}
      className={className}
      onSubmit={(event) => {
        // Dispatched by hand (not through React's form action) so a failed
        // submission keeps the fields as typed.
        event.preventDefault();
        if (confirm && !window.confirm(confirm)) return;
        const submitter = (event.nativeEvent as SubmitEvent).submitter;
        const data = new FormData(event.currentTarget, submitter);
        startTransition(() => formAction(data));
      }}
    >
      <PendingContext.Provider value={pending}>{children}</PendingContext.Provider>
      <FormMessage state={state} success={success} />
      {result?.(state)}
    </form>
  );
}

export function useActionPending(): boolean {
  return useContext(PendingContext);
}
