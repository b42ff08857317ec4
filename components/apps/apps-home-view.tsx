import { AppList } from "@/components/apps/app-list";
import { PageNav } from "@/components/ui/page-nav";
import type { AppDto } from "@/lib/apps/data";

export type AppsHomeViewProps = {
  apps: AppDto[];
  /** This page's cursor (none on the first page) and the next one's. */
  cursor: string | null;
  nextCursor: string | null;
  /** Marks apps only admins see. */
  admin: boolean;
  mayUpload: boolean;
};

/** The home page (/): the apps the reader sees, a page at a time, most recently updated first. */
export function AppsHomeView({ apps, cursor, nextCursor, admin, mayUpload }: AppsHomeViewProps) {
  return (
    <div>
      <div className="mb-4 flex items-center justify-between">
        <h1 className="text-2xl font-semibold tracking-tight">Apps</h1>
        {mayUpload ? (
          <a
            href="/upload"
            className="shrink-0 rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800 dark:bg-slate-100 dark:text-slate-900 dark:hover:bg-white"
          >
            Upload a build
          </a>
        ) : null}
      </div>
      {apps.length === 0 && !cursor ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white p-10 text-center text-slate-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-300">
          <p className="font-medium">No apps yet.</p>
          <p className="mt-1 text-sm">
            {mayUpload ? "Upload an .ipa to publish the first one." : "Apps appear here once an admin uploads them."}
          </p>
        </div>
      ) : (
        <AppList apps={apps} admin={admin} />
      )}
      <div className="mt-4">
        <PageNav path="/" label="Apps pages" cursor={cursor ?? undefined} nextCursor={nextCursor} />
      </div>
    </div>
  );
}
