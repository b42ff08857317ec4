import type { GetServerSidePropsContext, GetServerSidePropsResult } from "next";
import type { LitePageProps } from "@/components/layout/lite-page";
import { litePageNotFound, litePageProps } from "@/components/layout/shell-props";
import type { PostFormsProps } from "@/components/ui/post-form";
import { type Action, can } from "@/lib/access/policy";
import { requireUserRequest } from "@/lib/auth/require-user";
import { csrfTokenForForms, gateRedirect, type PageForms, plainPostOrFlash } from "@/lib/server-actions/plain-post";
import type { UserDto } from "@/lib/users/data";

/**
 * The getServerSideProps of a page without the React runtime whose forms post
 * to it (lib/server-actions/plain-post.ts), in the order that keeps it safe:
 * the reader's gate (sign-in, or a 404 without `permission`: an action of
 * lib/access/policy.ts, or a check of the page's own record), then a POST is
 * run (a 303 back on success), then `load` reads the page for the reader with
 * the forms' token and the last post's outcome. `load` returning null is a 404
 * (a group that does not exist).
 */
export async function formPageProps<View>(
  context: GetServerSidePropsContext,
  page: { returnTo: string; permission: Action | ((user: UserDto) => Promise<boolean>); forms: PageForms },
  load: (user: UserDto, forms: PostFormsProps) => Promise<View | null>,
): Promise<GetServerSidePropsResult<LitePageProps<View>>> {
  const gate = await requireUserRequest(context, page.returnTo);
  if (gate.redirect) return { redirect: gateRedirect(context, gate.redirect) };
  const allowed =
    typeof page.permission === "function" ? await page.permission(gate.user) : can(gate.user, page.permission);
  if (!allowed) return litePageNotFound(context, gate.user);
  const posted = await plainPostOrFlash(context, gate.user, page.forms);
  if ("redirect" in posted) return posted;
  const view = await load(gate.user, { csrfToken: csrfTokenForForms(context), result: posted.result });
  if (view === null) return litePageNotFound(context, gate.user);
  return litePageProps(context.req, gate.user, view);
}
