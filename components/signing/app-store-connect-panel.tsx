"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { inputClass, ResultMessage } from "@/components/ui/ui";
import type { AscKeyDto, ConnectionTestDto, DeviceSyncDto } from "@/lib/app-store-connect/data";
import { callApi } from "@/lib/ui/call-api";
import { MUTED } from "@/lib/ui/styles";

const BUTTON =
  "rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800 disabled:opacity-60 dark:bg-sky-700 dark:hover:bg-sky-600";
const DANGER =
  "rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 dark:border-red-800 dark:bg-slate-900 dark:text-red-300 dark:hover:bg-red-950";

/** Admins: the App Store Connect API key ("Add my iPhone"), Test connection. The .p8 is sent once, never shown. */
export function AppStoreConnectKeyPanel({ keyInfo }: { keyInfo: AscKeyDto }) {
  const router = useRouter();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [test, setTest] = useState<ConnectionTestDto | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const file = data.get("p8File");
    const pasted = String(data.get("privateKey") ?? "");
    const privateKey = file instanceof File && file.size > 0 ? await file.text() : pasted;
    setBusy(true);
    const result = await callApi("/api/v1/app-store-connect/key", {
      method: "PUT",
      json: {
        issuerId: String(data.get("issuerId") ?? "").trim(),
        keyId: String(data.get("keyId") ?? "").trim(),
        privateKey,
      },
    });
    setBusy(false);
    setMessage(
      result.ok
        ? { ok: true, text: "Saved. The key is encrypted and will not be shown again." }
        : { ok: false, text: result.message },
    );
    if (result.ok) {
      form.reset();
      router.refresh();
    }
  };
  const remove = async () => {
    if (!window.confirm("Forget the App Store Connect key? Device sync stops until a key is added again.")) return;
    const result = await callApi("/api/v1/app-store-connect/key", { method: "DELETE" });
    setMessage(result.ok ? null : { ok: false, text: result.message });
    router.refresh();
  };
  const testConnection = async () => {
    setBusy(true);
    setTest(null);
    const result = await callApi<{ connection: ConnectionTestDto }>("/api/v1/app-store-connect/test", {
      method: "POST",
    });
    setBusy(false);
    if (result.ok) setTest(result.body.connection);
    setMessage(result.ok ? { ok: true, text: "Connected." } : { ok: false, text: result.message });
  };

  return (
    <div className="space-y-4">
      <p className={`text-sm ${MUTED}`}>
        {keyInfo.configured
          ? `Key ${keyInfo.keyId} of issuer ${keyInfo.issuerId} is set up.`
          : "No key yet. In App Store Connect → Users and Access → Integrations, create a key with the Admin or App Manager role."}
      </p>
      {keyInfo.configured ? (
        <div className="flex flex-wrap gap-3">
          <button type="button" className={BUTTON} onClick={testConnection} disabled={busy} data-testid="asc-test">
            Test connection
          </button>
          <button type="button" className={DANGER} onClick={remove}>
            Forget the key
          </button>
        </div>
      ) : null}
      {test ? (
        <div className="space-y-2 text-sm" data-testid="asc-test-result">
          <p className="font-medium">Devices registered this membership year</p>
          <ul className="list-disc pl-5">
            {test.devices.length === 0 ? <li>None yet.</li> : null}
            {test.devices.map((d) => (
              <li key={d.kind}>
                {d.kind}: {d.used}/{d.limit}
              </li>
            ))}
          </ul>
          <p className="font-medium">Certificates</p>
          <ul className="list-disc pl-5">
            {test.certificates.map((c) => (
              <li key={c.id} className="break-words">
                {c.name} ({c.type}, serial {c.serialNumber}
                {c.expires ? `, expires ${c.expires.slice(0, 10)}` : ""})
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <form aria-label="Store the App Store Connect key" onSubmit={save} className="space-y-3">
        <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
          <label className="flex flex-col gap-1 text-sm" htmlFor="asc-issuer">
            Issuer id
            <input id="asc-issuer" name="issuerId" required autoComplete="off" className={inputClass} />
          </label>
          <label className="flex flex-col gap-1 text-sm" htmlFor="asc-key-id">
            Key id
            <input id="asc-key-id" name="keyId" required autoComplete="off" className={inputClass} />
          </label>
          <label className="flex flex-col gap-1 text-sm" htmlFor="asc-p8-file">
            .p8 file
            <input id="asc-p8-file" name="p8File" type="file" accept=".p8" className={inputClass} />
          </label>
          <label className="flex flex-col gap-1 text-sm" htmlFor="asc-p8">
            or paste the .p8
            <textarea id="asc-p8" name="privateKey" rows={3} autoComplete="off" className={`${inputClass} font-mono`} />
          </label>
        </div>
        <button type="submit" className={BUTTON} disabled={busy}>
          {keyInfo.configured ? "Replace the key" : "Save the key"}
        </button>
      </form>
      <ResultMessage value={message} />
    </div>
  );
}

/** Admins: one app's "Keep devices in sync" (identity + profile type). */
export function DeviceSyncForm({
  app,
  sync,
  identities,
}: {
  app: { id: string; name: string };
  sync: DeviceSyncDto;
  identities: { id: string; label: string }[];
}) {
  const router = useRouter();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const enabled = data.get("enabled") === "on";
    const result = await callApi(`/api/v1/apps/${app.id}/device-sync`, {
      method: "PUT",
      json: {
        enabled,
        ...(enabled ? { identityId: data.get("identityId"), profileType: data.get("profileType") } : {}),
      },
    });
    setMessage(result.ok ? { ok: true, text: "Saved." } : { ok: false, text: result.message });
    if (result.ok) router.refresh();
  };
  const id = (name: string) => `sync-${app.id}-${name}`;
  return (
    <form
      aria-label={`Keep devices in sync for ${app.name}`}
      onSubmit={submit}
      className="flex flex-wrap items-end gap-3"
    >
      <label className="flex items-center gap-2 text-sm font-medium" htmlFor={id("enabled")}>
        <input id={id("enabled")} name="enabled" type="checkbox" defaultChecked={sync.enabled} />
        {app.name}: keep devices in sync
      </label>
      {/* A certificate's long name must not widen a 390 px phone: the select shrinks to the card. */}
      <label className="flex min-w-0 max-w-full flex-col gap-1 text-sm" htmlFor={id("identity")}>
        Signing identity
        <select
          id={id("identity")}
          name="identityId"
          defaultValue={sync.identityId ?? ""}
          className={`${inputClass} max-w-full`}
        >
          {identities.map((i) => (
            <option key={i.id} value={i.id}>
              {i.label}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col gap-1 text-sm" htmlFor={id("type")}>
        Profile type
        <select id={id("type")} name="profileType" defaultValue={sync.profileType ?? "ad-hoc"} className={inputClass}>
          <option value="ad-hoc">Ad hoc</option>
          <option value="development">Development</option>
        </select>
      </label>
      <button type="submit" className={BUTTON}>
        Save
      </button>
      <ResultMessage value={message} />
    </form>
  );
}
