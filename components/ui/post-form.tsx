import type { ReactNode } from "react";
import { FormMessage } from "@/components/ui/form-message";
import type { PostResult } from "@/lib/server-actions/plain-post";

/** What every form of a lite page needs: the CSRF token, and the outcome of the last post (if any). */
export type PostFormsProps = { csrfToken: string; result: PostResult | null };

/**
 * A form of a page served without the React runtime: a plain post to the page
 * itself (lib/server-actions/plain-post.ts), with its outcome shown under it
 * after the page comes back. `rowKey` tells the forms of a table's rows apart;
 * `confirm` is asked by public/page-script.js before posting; `alsoShows` names
 * forms this one replaces once they succeed (Enable after Disable); `quiet`
 * leaves its outcome to the page (a row's Remove: the row is gone after it).
 */
export function PostForm({
  action,
  rowKey,
  forms,
  confirm,
  alsoShows = [],
  quiet = false,
  className,
  testId,
  label,
  children,
}: {
  action: string;
  rowKey?: string;
  forms: PostFormsProps;
  confirm?: string;
  alsoShows?: string[];
  quiet?: boolean;
  className?: string;
  testId?: string;
  label?: string;
  children: ReactNode;
}) {
  return (
    <form method="post" className={className} data-testid={testId} aria-label={label} data-confirm={confirm}>
      <input type="hidden" name="_action" value={action} />
      <input type="hidden" name="csrfToken" value={forms.csrfToken} />
      {children}
      {quiet ? null : (
        <FormMessage
          state={[action, ...alsoShows].map((name) => postedTo(forms, name, rowKey)).find(Boolean)?.state ?? null}
        />
      )}
    </form>
  );
}

/** The last post's outcome when it came from this form (and row). */
export function postedTo(forms: PostFormsProps, action: string, rowKey?: string): PostResult | null {
  const result = forms.result;
  return result && result.action === action && result.key === (rowKey ?? null) ? result : null;
}
