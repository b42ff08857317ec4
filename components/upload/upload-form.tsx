"use client";

import Link from "next/link";
import { type DragEvent, useRef, useState } from "react";
import { ProfileSummary } from "@/components/builds/profile-summary";
import { WarningList } from "@/components/builds/warning-list";
import type { Warning } from "@/lib/analysis/profile/install-readiness";
import type { ProfileInfo } from "@/lib/analysis/profile/parse-profile";
import { formatBytes } from "@/lib/ui/format";

type UploadedBuild = {
  name: string;
  version: string;
  buildNumber: string;
  pageUrl: string;
  bundleId: string;
  warnings: Warning[];
  /** The app is restricted and granted to no group yet (e.g. a new app). */
  appAdminsOnly?: boolean;
};

type Result =
  | { kind: "done"; created: boolean; build: UploadedBuild; notice: string | null; channelsCreated: string[] }
  | { kind: "profile"; profile: ProfileInfo; warnings: Warning[] }
  | { kind: "error"; code: string; message: string };

function isProfileFile(name: string): boolean {
  return /\.(mobileprovision|provisionprofile)$/i.test(name);
}

/**
 * The upload form. Channels are picked from those of the apps the person
 * publishes to (a datalist); a name none of them has is sent only with the
 * "create a new channel" box ticked (`createChannel=true`), otherwise the
 * server refuses it (422 unknown_channel, which the form then offers to
 * confirm): a typo must not create a channel everyone sees.
 */
export function UploadForm({ channels }: { channels: { app: string; channels: string[] }[] }) {
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [notes, setNotes] = useState("");
  const [channel, setChannel] = useState("");
  const [createChannel, setCreateChannel] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<{ loaded: number; total: number } | null>(null);
  const [processing, setProcessing] = useState(false);
  const [result, setResult] = useState<Result | null>(null);

  function choose(f: File | undefined | null) {
    if (!f) return;
    setFile(f);
    setResult(null);
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files[0]);
  }

  function upload() {
    if (!file) return;
    const form = new FormData();
    if (notes.trim()) form.append("notes", notes.trim());
    if (channel.trim()) {
      form.append("channel", channel.trim());
      form.append("createChannel", createChannel ? "true" : "false");
    }
    form.append("file", file);
    // XMLHttpRequest, not fetch: only XHR reports upload progress.
    const inspecting = isProfileFile(file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", inspecting ? "/api/v1/profiles/inspect" : "/api/v1/builds");
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        setProgress({ loaded: e.loaded, total: e.total });
        if (e.loaded === e.total) setProcessing(true);
      }
    };
    xhr.onload = () => {
      setProcessing(false);
      setProgress(null);
      const body = xhr.response as {
        build?: UploadedBuild;
        duplicate?: { message: string };
        channelsCreated?: string[];
        profile?: ProfileInfo;
        warnings?: Warning[];
        error?: { code: string; message: string };
      } | null;
      if (xhr.status === 200 && body?.profile) {
        setResult({ kind: "profile", profile: body.profile, warnings: body.warnings ?? [] });
        setFile(null);
      } else if (xhr.status >= 200 && xhr.status < 300 && body?.build) {
        setResult({
          kind: "done",
          created: xhr.status === 201,
          build: body.build,
          notice: body.duplicate?.message ?? null,
          channelsCreated: body.channelsCreated ?? [],
        });
        setFile(null);
        setNotes("");
      } else {
        setResult({
          kind: "error",
          code: body?.error?.code ?? String(xhr.status),
          message: body?.error?.message ?? `The upload failed (HTTP ${xhr.status}).`,
        });
      }
    };
    xhr.onerror = () => {
      setProcessing(false);
      setProgress(null);
      setResult({
        kind: "error",
        code: "network",
        message: "The connection was lost during the upload. Please try again.",
      });
    };
    setResult(null);
    setProgress({ loaded: 0, total: file.size });
    xhr.send(form);
  }

  const busy = progress !== null;
  const known = [...new Set(channels.flatMap((a) => a.channels))].sort();
  const typed = channel.trim().toLowerCase();
  // Offered when the name is new to every app, or the server said this app does not have it.
  const offerCreate =
    typed !== "" && (!known.includes(typed) || (result?.kind === "error" && result.code === "unknown_channel"));
  const percent = progress && progress.total > 0 ? Math.round((progress.loaded / progress.total) * 100) : 0;

  return (
    <div className="space-y-4">
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        onClick={() => input.current?.click()}
        role="button"
        tabIndex={0}
        onKeyDown={(e) => {
          if (e.key === "Enter" || e.key === " ") input.current?.click();
        }}
        data-testid="drop-zone"
        className={`cursor-pointer rounded-xl border-2 border-dashed p-10 text-center transition ${
          dragging
            ? "border-sky-500 bg-sky-50 dark:bg-sky-950"
            : "border-slate-300 bg-white hover:border-slate-400 dark:border-slate-600 dark:bg-slate-900"
        }`}
      >
        <input
          ref={input}
          type="file"
          accept=".ipa,.mobileprovision,.provisionprofile,application/octet-stream"
          className="hidden"
          data-testid="file-input"
          onChange={(e) => choose(e.target.files?.[0])}
        />
        {file ? (
          <p>
            <span className="font-medium">{file.name}</span>{" "}
            <span className="text-slate-500 dark:text-slate-400">({formatBytes(file.size)})</span>
          </p>
        ) : (
          <p className="text-slate-600 dark:text-slate-300">
            <span className="font-medium text-slate-900 dark:text-slate-100">Drop an .ipa here</span> or click to choose
            a file
            <span className="mt-1 block text-sm text-slate-500 dark:text-slate-400">
              A .mobileprovision is inspected only (expiry, devices, type): nothing is stored.
            </span>
          </p>
        )}
      </div>
      <div>
        <label className="block" htmlFor="upload-channel">
          <span className="mb-1 block text-sm font-medium text-slate-700 dark:text-slate-200">
            Channel (optional; empty: the app&apos;s default channel)
          </span>
        </label>
        <input
          id="upload-channel"
          value={channel}
          onChange={(e) => {
            setChannel(e.target.value);
            setCreateChannel(false);
          }}
          name="channel"
          list="upload-channel-options"
          autoComplete="off"
          placeholder={known[0] ?? "default"}
          aria-describedby="upload-channel-hint"
          className="w-full rounded-md border border-slate-300 px-3 py-2 outline-none focus:border-sky-500 focus:ring-2 focus:ring-sky-200 dark:border-slate-600 dark:focus:ring-sky-800"
        />
        <datalist id="upload-channel-options">
          {known.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <p id="upload-channel-hint" className="mt-1 text-xs text-slate-600 dark:text-slate-300">
          {channels.length > 0
            ? channels
                .filter((a) => a.channels.length > 0)
                .map((a) => `${a.app}: ${a.channels.join(", ")}`)
                .join(" · ")
            : "Your apps have no channels yet."}
        </p>
        {offerCreate ? (
          <label
            className="mt-2 flex items-start gap-2 rounded-md border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
            data-testid="upload-create-channel"
          >
            <input
              type="checkbox"
              name="createChannel"
              checked={createChannel}
              onChange={(e) => setCreateChannel(e.target.checked)}
              className="mt-1"
            />
            <span>
              Create the new channel &ldquo;{typed}&rdquo;? It will be visible at once to everyone who can see the app.
              Leave this unticked if you meant an existing channel.
            </span>
          </label>
        ) : null}
      </div>
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-slate-700 dark:text-slate-200">
          Release notes (optional, Markdown)
        </span>
        <textarea
          value={notes}
          onChange={(e) => setNotes(e.target.value)}
          rows={3}
          className="w-full rounded-md border border-slate-300 px-3 py-2 outline-none focus:border-sky-500 focus:ring-2 focus:ring-sky-200 dark:border-slate-600 dark:focus:ring-sky-800"
        />
      </label>
      {progress ? (
        <div>
          <div
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-label="Upload progress"
            className="h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700"
          >
            <div className="h-full bg-sky-600 transition-[width]" style={{ width: `${percent}%` }} />
          </div>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-300">
            {processing
              ? "Checking the build…"
              : `${percent}% · ${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}`}
          </p>
        </div>
      ) : null}
      <button
        type="button"
        onClick={upload}
        disabled={!file || busy}
        className="rounded-md bg-slate-900 px-4 py-2 font-medium text-white hover:bg-slate-800 disabled:opacity-50"
      >
        {file && isProfileFile(file.name) ? "Inspect profile" : "Upload"}
      </button>
      {result?.kind === "error" ? (
        <div
          role="alert"
          data-testid="upload-error"
          className="rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          <p className="font-medium">The build was not accepted.</p>
          <p className="mt-1">{result.message}</p>
        </div>
      ) : null}
      {result?.kind === "done" ? (
        <div
          role="status"
          data-testid="upload-done"
          className="rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100"
        >
          <p className="font-medium">
            {result.created ? "Uploaded" : "Already uploaded"}: {result.build.name} {result.build.version} (
            {result.build.buildNumber})
          </p>
          {result.build.appAdminsOnly ? (
            <p data-testid="new-app-notice" className="mt-1">
              <strong>New app — visible only to admins.</strong> Employees won&apos;t see it until you grant it to a
              group or to everyone:{" "}
              <a href="/admin/apps" className="font-medium underline">
                grant access in Admin › Apps
              </a>
              .
            </p>
          ) : null}
          {result.notice ? <p data-testid="upload-notice">{result.notice}</p> : null}
          {result.channelsCreated.length > 0 ? (
            <p data-testid="upload-channel-created">New channel created: {result.channelsCreated.join(", ")}.</p>
          ) : null}
          <Link href={new URL(result.build.pageUrl).pathname} className="mt-1 inline-block underline">
            Open the build page
          </Link>
          {result.build.warnings.length > 0 ? (
            <div className="mt-3">
              <WarningList warnings={result.build.warnings} />
            </div>
          ) : null}
        </div>
      ) : null}
      {result?.kind === "profile" ? (
        <div
          data-testid="profile-result"
          className="space-y-3 rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900"
        >
          <h2 className="font-semibold">
            Provisioning profile {result.profile.name ? `“${result.profile.name}”` : ""}
          </h2>
          <WarningList warnings={result.warnings} />
          <ProfileSummary profile={result.profile} showDevices />
        </div>
      ) : null}
    </div>
  );
}
