import type { GetServerSideProps } from "next";
import { AppsHomeView, type AppsHomeViewProps } from "@/components/apps/apps-home-view";
import { type LitePageProps, litePageOf } from "@/components/layout/lite-page";
import { litePageProps } from "@/components/layout/shell-props";
import { can } from "@/lib/access/policy";
import { listAppsPageFor } from "@/lib/apps/data";
import { requireUserRequest } from "@/lib/auth/require-user";
import { pageQueryFromSearch } from "@/lib/http/pagination";

/**
 * The home page (/): the apps the reader sees. Mostly opened on iPhones on the
 * way to an install page, and it changes nothing: a page without the React
 * runtime, like the install pages (docs/architecture.md).
 */
export const config = { unstable_runtimeJS: false };

// A company has hundreds of apps: a page at a time (keyset, lib/http/pagination.ts), most recently updated first.
const PAGE_SIZE = 50;

export const getServerSideProps: GetServerSideProps<LitePageProps<AppsHomeViewProps>> = async (context) => {
  const { user, redirect } = await requireUserRequest(context, "/");
  if (redirect) return { redirect };
  const query = pageQueryFromSearch(context.query, PAGE_SIZE);
  const { items: apps, nextCursor } = await listAppsPageFor(user, query);
  return litePageProps(context.req, user, {
    apps,
    cursor: query.cursor ?? null,
    nextCursor,
    admin: can(user, "app.manage"),
    mayUpload: can(user, "build.upload"),
  });
};

export default litePageOf("Apps", AppsHomeView);
