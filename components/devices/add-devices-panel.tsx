"use client";

import { useEffect, useState } from "react";
import type { ProvisioningState } from "@/lib/app-store-connect/data";
import { callApi } from "@/lib/ui/call-api";
import { LINK, MUTED, PRIMARY_BUTTON } from "@/lib/ui/styles";

/**
 * "Add my iPhone" on an ad hoc or development build the viewer's device is
 * missing from (admins: "Add the N missing devices"). Posts to the API (same
 * policy as curl), then follows the work: waiting for the app's next
 * regeneration, Apple, re-signing, and finally a link to the re-signed build
 * whose page offers the live Install. On an older build whose channel's newest
 * already lists the device, it leads there instead; near Apple's yearly device
 * limit it shows the count, and at it the reason replaces the button.
 */
export function AddDevicesPanel({
  buildId,
  appId,
  initial,
  admin,
}: {
  buildId: string;
  appId: string;
  initial: ProvisioningState;
  admin: boolean;
}) {
  const [state, setState] = useState(initial);
  const [asked, setAsked] = useState(initial.pending.length > 0);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const startedWith = initial.pending.length > 0 ? null : initial.resignedBuildId;
  // Where to go: the re-signed copy the job made from the build it re-signed for this page (this build, or the
  // newest of its channel when this one is older), else a copy of this build made since the panel opened.
  const made =
    state.resign?.status === "succeeded" && state.resign.resignedBuildId
      ? state.resign.resignedBuildId
      : state.resignedBuildId !== startedWith
        ? state.resignedBuildId
        : null;
  const ready = asked && state.pending.length === 0 ? made : null;
  const failed = asked && !ready ? state.failure : null;
  const otherBuild = ready !== null && ready === state.resign?.resignedBuildId && state.resign.buildId !== buildId;

  useEffect(() => {
    if (!asked || ready || failed) return;
    const timer = setTimeout(async () => {
      const result = await callApi<{ provisioning: ProvisioningState }>(`/api/v1/builds/${buildId}/devices`);
      setState(result.ok ? result.body.provisioning : { ...state });
    }, 2000);
    return () => clearTimeout(timer);
  }, [asked, ready, failed, state, buildId]);

  // What a request would add: not what the channel's newer build already lists, not what Apple has no room for.
  const elsewhere = new Set([...(state.newer?.deviceIds ?? []), ...(state.deviceLimit?.deviceIds ?? [])]);
  const addable = state.missing.filter((m) => !elsewhere.has(m.id));

  const add = async () => {
    setSending(true);
    setError(null);
    const result = await callApi(`/api/v1/builds/${buildId}/devices`, { method: "POST", json: {} });
    setSending(false);
    if (result.ok) {
      setAsked(true);
      // A new request: what an earlier job did (or failed at) is no longer this request's answer.
      setState({ ...state, pending: addable.map((m) => m.id), job: null, resign: null, failure: null });
    } else setError(result.message);
  };

  const label = admin
    ? `Add the ${addable.length} missing device${addable.length === 1 ? "" : "s"}`
    : addable.length === 1
      ? "Add my iPhone"
      : `Add my ${addable.length} devices`;
  const newer = state.newer;
  const progress = !state.job
    ? "Asked."
    : state.job.status === "queued"
      ? "Waiting for the app's next update (at most a minute)…"
      : state.job.status === "running"
        ? "Registering with Apple and making the new profile…"
        : state.resign && state.resign.buildId !== buildId
          ? "Re-signing the newest build with the new profile…"
          : "Re-signing the build with the new profile…";

  return (
    <div className="space-y-2 rounded-lg border border-sky-300 bg-sky-50 p-3 text-sm text-sky-950 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-50">
      {ready ? (
        <p role="status" data-testid="add-devices-ready">
          {otherBuild
            ? "Ready: the newest build now includes your device."
            : "Ready: this build now includes your device."}{" "}
          <a href={`/apps/${appId}/builds/${ready}`} className={`font-medium ${LINK}`}>
            Open the new build to install it
          </a>
          .
        </p>
      ) : failed ? (
        <p role="alert" data-testid="add-devices-failed">
          {failed.message}
        </p>
      ) : asked ? (
        <p role="status" aria-live="polite" data-testid="add-devices-progress">
          {progress}
        </p>
      ) : (
        <>
          {newer ? (
            <p data-testid="add-devices-newer">
              {admin && newer.deviceIds.length !== 1
                ? `${newer.deviceIds.length} of the devices missing here are in the newer ${newer.resigned ? "re-signed " : ""}build ${newer.label} of ${newer.channel}.`
                : `${admin ? "A device missing here" : "Your device"} is in the newer ${newer.resigned ? "re-signed " : ""}build ${newer.label} of ${newer.channel}.`}{" "}
              <a href={`/apps/${appId}/builds/${newer.buildId}`} className={`font-medium ${LINK}`}>
                Open it to install
              </a>
              .
            </p>
          ) : null}
          {state.deviceLimit?.reached ? <p data-testid="add-devices-limit">{state.deviceLimit.message}</p> : null}
          {addable.length > 0 ? (
            <>
              {state.deviceLimit && !state.deviceLimit.reached ? (
                <p className={`text-xs ${MUTED}`} data-testid="add-devices-count">
                  {state.deviceLimit.message}
                </p>
              ) : null}
              <p>
                {admin
                  ? `${addable.length} enrolled device${addable.length === 1 ? " is" : "s are"} not in this build's profile.`
                  : "Ferry can add your device to this build: it registers it with Apple and re-signs the build, in a few minutes."}
              </p>
              <button
                type="button"
                onClick={add}
                disabled={sending}
                aria-busy={sending || undefined}
                className={PRIMARY_BUTTON}
                data-testid="add-devices-button"
              >
                {label}
              </button>
            </>
          ) : null}
        </>
      )}
      {error ? (
        <p role="alert" className="text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
      {!ready && !failed && (asked || addable.length > 0) ? (
        <p className={`text-xs ${MUTED}`}>You can leave this page; the work goes on.</p>
      ) : null}
    </div>
  );
}
