"use client";

import { type FormEvent, useCallback, useEffect, useState } from "react";
import { callApi } from "@/lib/ui/call-api";
import { CARD, LINK, MUTED } from "@/lib/ui/styles";

type Option = { id: string; label: string };
type Job = {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed";
  buildId?: string;
  error?: { message: string };
};

type Preview = {
  ok: boolean;
  teamId: string;
  bundles: {
    bundleId: string;
    path: string;
    profile: { name: string; uuid: string } | null;
    changes: { key: string; kind: "added" | "removed" | "changed"; from: unknown; to: unknown }[];
    error: { code: string; message: string } | null;
  }[];
};

const show = (value: unknown) => (value === null || value === undefined ? "—" : JSON.stringify(value));

const SELECT =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-900";

/**
 * Admins: re-sign this build with an identity and a profile added on
 * Admin → Signing. Each choice is previewed first (POST …/resign/preview:
 * every bundle's entitlement changes and what would refuse it); Re-sign is
 * enabled only once the preview of the current choice says it would go
 * ahead. Posts to the API (same policy as curl) and follows the job until it
 * succeeds (a link to the new build) or fails (its reason).
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
  const [choice, setChoice] = useState({ identityId: identities[0]?.id ?? "", profileId: profiles[0]?.id ?? "" });
  const [preview, setPreview] = useState<{ key: string; result: Preview | null; error: string | null } | null>(null);
  const choiceKey = `${choice.identityId}/${choice.profileId}`;

  const loadPreview = useCallback(
    async (signal: AbortSignal) => {
      if (!choice.identityId || !choice.profileId) return;
      setPreview(null);
      const result = await callApi<{ preview: Preview }>(`/api/v1/builds/${build.id}/resign/preview`, {
        method: "POST",
        json: choice,
        signal,
      });
      if (signal.aborted) return;
      setPreview(
        result.ok
          ? { key: choiceKey, result: result.body.preview, error: null }
          : { key: choiceKey, result: null, error: result.message },
      );
    },
    [build.id, choice, choiceKey],
  );

  useEffect(() => {
    const controller = new AbortController();
    void loadPreview(controller.signal);
    return () => controller.abort();
  }, [loadPreview]);

  const ready = preview?.key === choiceKey && preview.result?.ok === true;

  useEffect(() => {
    if (!job || job.status === "succeeded" || job.status === "failed") return;
    const timer = setTimeout(async () => {
      const result = await callApi<{ job: Job }>(`/api/v1/jobs/${job.id}`);
      setJob(result.ok ? result.body.job : { ...job });
    }, 1000);
    return () => clearTimeout(timer);
  }, [job]);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    setJob(null);
    const result = await callApi<{ job: Job }>(`/api/v1/builds/${build.id}/resign`, {
      method: "POST",
      json: {
        identityId: choice.identityId,
        profileId: choice.profileId,
        channels: form.get("sameChannels") ? build.channels : undefined,
      },
    });
    setPending(false);
    if (result.ok) setJob(result.body.job);
    else setError(result.message);
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
              <select
                id="resign-identity"
                name="identityId"
                required
                className={SELECT}
                value={choice.identityId}
                onChange={(e) => setChoice({ ...choice, identityId: e.target.value })}
              >
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
              <select
                id="resign-profile"
                name="profileId"
                required
                className={SELECT}
                value={choice.profileId}
                onChange={(e) => setChoice({ ...choice, profileId: e.target.value })}
              >
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
          <div data-testid="resign-preview" aria-live="polite" className="space-y-2 text-sm">
            {preview?.key !== choiceKey ? <p className={MUTED}>Checking what this profile changes…</p> : null}
            {preview?.key === choiceKey && preview.error ? (
              <p className="text-red-700 dark:text-red-300">{preview.error}</p>
            ) : null}
            {preview?.key === choiceKey && preview.result ? (
              <>
                <p>
                  Entitlement changes for team <span className="font-mono">{preview.result.teamId}</span>
                  {preview.result.ok ? ":" : " (the re-sign would be refused):"}
                </p>
                {preview.result.bundles.map((bundle) => (
                  <div key={bundle.path} className="rounded-md border border-slate-200 p-3 dark:border-slate-700">
                    <p className="font-medium break-all">
                      {bundle.bundleId}
                      <span className={`ml-2 font-normal ${MUTED}`}>
                        {bundle.path ? bundle.path : "app"}
                        {bundle.profile ? ` · ${bundle.profile.name}` : ""}
                      </span>
                    </p>
                    {bundle.error ? (
                      <p className="text-red-700 dark:text-red-300" data-testid="resign-preview-error">
                        {bundle.error.message}
                      </p>
                    ) : null}
                    {bundle.changes.length === 0 ? (
                      <p className={MUTED}>No entitlement changes.</p>
                    ) : (
                      <ul className="mt-1 space-y-1">
                        {bundle.changes.map((change) => (
                          <li key={change.key} className="break-all">
                            <span className="font-mono text-xs">{change.key}</span> <span>({change.kind})</span>
                            {": "}
                            <span className="font-mono text-xs">{show(change.from)}</span> →{" "}
                            <span className="font-mono text-xs">{show(change.to)}</span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </div>
                ))}
              </>
            ) : null}
          </div>
          <button
            type="submit"
            disabled={!ready || pending || (job !== null && (job.status === "queued" || job.status === "running"))}
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
