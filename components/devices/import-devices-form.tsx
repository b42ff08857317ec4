"use client";

import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { inputClass } from "@/components/ui/ui";
import { importDevicesAction } from "@/lib/devices/actions";

export function ImportDevicesForm() {
  return (
    <ActionForm action={importDevicesAction} label="Import devices" className="flex flex-col gap-2">
      <textarea
        name="list"
        rows={4}
        aria-label="Device list"
        placeholder={"Device ID\tDevice Name\tDevice Platform\n00008030-001A35E11234802E\tJane's iPhone\tios"}
        className={`${inputClass} font-mono text-xs`}
      />
      <div>
        <SubmitButton>Import</SubmitButton>
      </div>
    </ActionForm>
  );
}
