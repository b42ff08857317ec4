import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { can } from "@/lib/access/policy";
import { mayPublishToApp } from "@/lib/apps/data";
import { ownRecentBuildDeletion } from "@/lib/audit/audit-search";
import { installCounts } from "@/lib/audit/install-analytics";
import { requireUserPage } from "@/lib/auth/require-user";
import { deleteBuildAction } from "@/lib/builds/actions";
import { getBuildFor } from "@/lib/builds/data";
import { plural } from "@/lib/ui/format";
import { CARD, LINK, MUTED } from "@/lib/ui/styles";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Delete build" };

type Props = { params: Promise<{ appId: string; buildId: string }> };

/**
 * Deleting a build, as its own step: what goes (version, channels, installs)
 * before, and what went after (the action redirects back here; the build is
 * gone, so the person's own audit row of it is shown). Works without
 * JavaScript. Only for those who may delete builds of the app; others: 404.
 */
export default async function DeleteBuildPage({ params }: Props) {
  const { appId, buildId } = await params;
  const user = await requireUserPage(`/apps/${appId}/builds/${buildId}/delete`);
  const build = await getBuildFor(user, appId, buildId);
  if (!build) {
    const done = await ownRecentBuildDeletion(user.id, buildId);
    if (!done) notFound();
    return (
      <div className="mx-auto max-w-xl space-y-4">
        <h1 className="text-2xl font-semibold tracking-tight">Build deleted</h1>
        <p role="status" data-testid="build-deleted" className={`${CARD} p-4`}>
          Deleted {done.name ?? "the build"} {done.version} ({done.buildNumber})
          {done.channels.length > 0 ? ` from ${done.channels.join(", ")}` : ""}. Its file and install links are gone.
        </p>
        <a href={`/apps/${appId}`} className={LINK}>
          ← Back to the app
        </a>
      </div>
    );
  }
  if (!(await mayPublishToApp(user, build.appId, "build.delete"))) notFound();
  const label = `${build.name} ${build.version} (${build.buildNumber})`;
  const counts = can(user, "build.read-stats") ? (await installCounts([build.id])).get(build.id) : undefined;
  const installs = can(user, "build.read-stats")
    ? `It was downloaded ${plural(counts?.downloads ?? 0, "time")} by ${counts?.users === 1 ? "1 person" : `${counts?.users ?? 0} people`}.`
    : null;
  const buildPage = `/apps/${build.appId}/builds/${build.id}`;
  return (
    <div className="mx-auto max-w-xl space-y-4">
      <h1 className="text-2xl font-semibold tracking-tight">Delete {label}?</h1>
      <section
        className={`${CARD} space-y-3 border-red-300 p-5 dark:border-red-800`}
        aria-labelledby="delete-what"
        data-testid="delete-build-dialog"
      >
        <h2 id="delete-what" className="font-semibold">
          What goes
        </h2>
        <ul className="list-disc space-y-1 pl-5 text-sm">
          <li>
            The build {label} and its file.
            {build.channels.length > 0 ? (
              <>
                {" "}
                It leaves {build.channels.length === 1 ? "the channel" : "the channels"}{" "}
                <strong data-testid="delete-channels">{build.channels.join(", ")}</strong>; where it was the newest, the
                build before it becomes the one people install.
              </>
            ) : null}
          </li>
          <li>
            Every install link to it stops working at once.{" "}
            {installs ? <span data-testid="delete-installs">{installs}</span> : null} People who installed it keep the
            app on their devices.
          </li>
        </ul>
        <p className={`text-sm ${MUTED}`}>This cannot be undone: to bring it back, upload the .ipa again.</p>
        <div className="flex flex-wrap items-center gap-3">
          <ActionForm action={deleteBuildAction} label={`Delete ${label}`}>
            <input type="hidden" name="buildId" value={build.id} />
            <SubmitButton variant="danger">Delete {label}</SubmitButton>
          </ActionForm>
          <a href={buildPage} className={LINK}>
            Cancel
          </a>
        </div>
      </section>
    </div>
  );
}
