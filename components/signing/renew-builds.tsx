"use client";

import { type FormEvent, useState } from "react";
import type { RenewOffer } from "@/lib/signing/resign/renew-options";
import { callApi } from "@/lib/ui/call-api";
import { LINK, MUTED } from "@/lib/ui/styles";

type QueuedJob = { id: string; status: string; buildId: string; channels: string[] };

const SELECT =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-900";

/**
 * Admins: "Renew N builds" for a profile about to expire. Lists the builds
 * (the newest of each channel that embeds it), offers only the newer profiles
 * that can replace it and the identities they name, and on confirmation posts
 * to the API (POST …/renew): one re-sign job per build.
 */
export function RenewBuilds({ offer }: { offer: RenewOffer }) {
  const { profile, builds } = offer;
  const [profileId, setProfileId] = useState(offer.profiles[0]?.id ?? "");
  const identities = offer.identities.filter((i) =>
    offer.profiles.find((p) => p.id === profileId)?.identityIds.includes(i.id),
  );
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [jobs, setJobs] = useState<QueuedJob[] | null>(null);
  const n = builds.length;
  const label = `Renew ${n} build${n === 1 ? "" : "s"}`;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    if (!window.confirm(`Re-sign ${n} build${n === 1 ? "" : "s"} signed with "${profile.name}"?`)) return;
    setPending(true);
    setError(null);
    const result = await callApi<{ jobs: QueuedJob[] }>(`/api/v1/signing/profiles/${profile.id}/renew`, {
      method: "POST",
      json: { profileId: form.get("profileId"), identityId: form.get("identityId") },
    });
    setPending(false);
    if (result.ok) setJobs(result.body.jobs);
    else setError(result.message);
  };

  return (
    <section
      id={`renew-${profile.id}`}
      aria-labelledby={`renew-${profile.id}-title`}
      className="space-y-3 rounded-md border border-amber-300 p-4 dark:border-amber-700"
      data-testid="renew-builds"
    >
      <h3 id={`renew-${profile.id}-title`} className="font-semibold break-words">
        {label} signed with {profile.name}
      </h3>
      <p className={`text-sm ${MUTED}`}>
        {profile.expired ? "Expired" : "Expires"} on {profile.notAfter.slice(0, 10)}: installed copies stop launching
        then. Each build below is the newest of its channels; a re-signed copy with a newer profile lands in the same
        channels.
      </p>
      <ul className="list-disc space-y-1 pl-5 text-sm">
        {builds.map((b) => (
          <li key={b.buildId} className="break-words">
            <a href={`/apps/${b.appId}/builds/${b.buildId}`} className={LINK}>
              {b.appName} {b.version} ({b.buildNumber})
            </a>{" "}
            in {b.channels.join(", ")}
          </li>
        ))}
      </ul>
      {offer.profiles.length === 0 || identities.length === 0 ? (
        <p className={`text-sm ${MUTED}`}>
          Add a newer profile for the same team and app id (and the identity it names) above to renew them.
        </p>
      ) : (
        <form aria-label={`${label} signed with ${profile.name}`} onSubmit={onSubmit} className="space-y-3">
          <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
            <div className="flex flex-col gap-1 text-sm">
              <label htmlFor={`renew-${profile.id}-profile`} className="font-medium">
                Newer profile
              </label>
              <select
                id={`renew-${profile.id}-profile`}
                name="profileId"
                required
                className={SELECT}
                value={profileId}
                onChange={(e) => setProfileId(e.target.value)}
              >
                {offer.profiles.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="flex flex-col gap-1 text-sm">
              <label htmlFor={`renew-${profile.id}-identity`} className="font-medium">
                Signing identity
              </label>
              <select id={`renew-${profile.id}-identity`} name="identityId" required className={SELECT}>
                {identities.map((i) => (
                  <option key={i.id} value={i.id}>
                    {i.label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <button
            type="submit"
            disabled={pending || jobs !== null}
            aria-busy={pending || undefined}
            className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800 disabled:opacity-60 dark:bg-sky-700 dark:hover:bg-sky-600"
          >
            {label}
          </button>
        </form>
      )}
      <div aria-live="polite" className="text-sm">
        {error ? <p className="text-red-700 dark:text-red-300">{error}</p> : null}
        {jobs ? (
          <p role="status">
            Queued {jobs.length} re-sign job{jobs.length === 1 ? "" : "s"}: the new builds appear in their channels when
            they finish.
          </p>
        ) : null}
      </div>
    </section>
  );
}
