import Link from "next/link";
import { AppList } from "@/components/apps/app-list";
import { PageNav } from "@/components/ui/page-nav";
import { can } from "@/lib/access/policy";
import { listAppsPageFor } from "@/lib/apps/data";
import { requireUserPage } from "@/lib/auth/require-user";
import { pageQueryFromSearch } from "@/lib/http/pagination";

export const dynamic = "force-dynamic";

// A company has hundreds of apps: a page at a time (keyset, lib/http/pagination.ts), most recently updated first.
const PAGE_SIZE = 50;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AppsPage({ searchParams }: Props) {
  const user = await requireUserPage("/");
  const query = pageQueryFromSearch(await searchParams, PAGE_SIZE);
  const { items: apps, nextCursor } = await listAppsPageFor(user, query);
  const admin = can(user, "app.manage");
  return (
    <div>
      <div className="mb-4 flex items-center justify-between">
        <h1 className="text-2xl font-semibold tracking-tight">Apps</h1>
        {can(user, "build.upload") ? (
          <Link
            href="/upload"
            className="shrink-0 rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800 dark:bg-slate-100 dark:text-slate-900 dark:hover:bg-white"
          >
            Upload a build
          </Link>
        ) : null}
      </div>
      {apps.length === 0 && !query.cursor ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white p-10 text-center text-slate-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-300">
          <p className="font-medium">No apps yet.</p>
          <p className="mt-1 text-sm">
            {can(user, "build.upload")
              ? "Upload an .ipa to publish the first one."
              : "Apps appear here once an admin uploads them."}
          </p>
        </div>
      ) : (
        <AppList apps={apps} admin={admin} />
      )}
      <div className="mt-4">
        <PageNav path="/" label="Apps pages" cursor={query.cursor} nextCursor={nextCursor} />
      </div>
    </div>
  );
}
