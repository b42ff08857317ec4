"use client";

import { type FormEvent, useEffect, useState } from "react";
import { CARD, LINK, MUTED } from "@/lib/ui/styles";

type Option = { id: string; label: string };
type Job = {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed";
  buildId?: string;
  error?: { message: string };
};

const SELECT =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-900";

/**
 * Admins: re-sign this build with an identity and a profile added on
 * Admin → Signing. Posts to the API (same policy as curl) and follows the job
 * until it succeeds (a link to the new build) or fails (its reason).
 */
export function ResignPanel({
  build,
  identities,
  profiles,
}: {
  build: { id: string; appId: string; channels: string[] };
  identities: Option[];
  profiles: Option[];
}) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  useEffect(() => {
    if (!job || job.status === "succeeded" || job.status === "failed") return;
    const timer = setTimeout(async () => {
      const res = await fetch(`/api/v1/jobs/${job.id}`).catch(() => null);
      if (res?.ok) setJob(((await res.json()) as { job: Job }).job);
      else setJob({ ...job });
    }, 1000);
    return () => clearTimeout(timer);
  }, [job]);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    setJob(null);
    try {
      const res = await fetch(`/api/v1/builds/${build.id}/resign`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          identityId: form.get("identityId"),
          profileId: form.get("profileId"),
          channels: form.get("sameChannels") ? build.channels : undefined,
        }),
      });
      const body = (await res.json().catch(() => null)) as { job?: Job; error?: { message: string } } | null;
      if (res.status === 202 && body?.job) setJob(body.job);
      else setError(body?.error?.message ?? `The request failed (${res.status}).`);
    } catch {
      setError("Ferry could not be reached. Try again.");
    } finally {
      setPending(false);
    }
  };

  return (
    <section className={`${CARD} space-y-3 p-5`} data-testid="resign">
      <h2 className="font-semibold">Re-sign</h2>
      {identities.length === 0 || profiles.length === 0 ? (
        <p className={`text-sm ${MUTED}`}>
          Add a signing identity and a provisioning profile on{" "}
          <a href="/admin/signing" className={LINK}>
            Admin → Signing
          </a>{" "}
          to re-sign this build.
        </p>
      ) : (
        <form aria-label="Re-sign this build" onSubmit={onSubmit} className="space-y-3">
          <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
            <div className="flex flex-col gap-1 text-sm">
              <label htmlFor="resign-identity" className="font-medium">
                Signing identity
              </label>
              <select id="resign-identity" name="identityId" required className={SELECT}>
                {identities.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="flex flex-col gap-1 text-sm">
              <label htmlFor="resign-profile" className="font-medium">
                Provisioning profile
              </label>
              <select id="resign-profile" name="profileId" required className={SELECT}>
                {profiles.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="sameChannels" defaultChecked className="h-4 w-4" />
            <span>Publish to this build&apos;s channels ({build.channels.join(", ") || "default"})</span>
          </label>
          <p className={`text-xs ${MUTED}`}>
            The app&apos;s entitlements are kept and moved to the new team and profile; if the profile does not grant
            one, the job fails before anything is written and says which.
          </p>
          <button
            type="submit"
            disabled={pending || (job !== null && (job.status === "queued" || job.status === "running"))}
            className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800 disabled:opacity-60 dark:bg-sky-700 dark:hover:bg-sky-600"
          >
            Re-sign
          </button>
        </form>
      )}
      <div aria-live="polite" className="text-sm">
        {error ? <p className="text-red-700 dark:text-red-300">{error}</p> : null}
        {job?.status === "queued" || job?.status === "running" ? (
          <p data-testid="resign-progress">Re-signing… ({job.status})</p>
        ) : null}
        {job?.status === "succeeded" && job.buildId ? (
          <p>
            Done:{" "}
            <a href={`/apps/${build.appId}/builds/${job.buildId}`} className={LINK}>
              open the re-signed build
            </a>
          </p>
        ) : null}
        {job?.status === "failed" ? (
          <p className="text-red-700 dark:text-red-300">{job.error?.message ?? "The re-sign failed."}</p>
        ) : null}
      </div>
    </section>
  );
}
