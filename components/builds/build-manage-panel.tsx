import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field } from "@/components/ui/ui";
import { deleteBuildAction, editNotesAction, promoteBuildAction } from "@/lib/builds/actions";

/** For admins and the app's uploaders: promote to a channel, edit the notes, delete. The actions re-check rights. */
export function BuildManagePanel({ build }: { build: { id: string; notes: string | null; channels: string[] } }) {
  return (
    <section
      className="space-y-4 rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900"
      data-testid="build-manage"
    >
      <h2 className="font-semibold">Manage this build</h2>
      <ActionForm action={promoteBuildAction} label="Promote to a channel" className="flex flex-wrap items-end gap-2">
        <input type="hidden" name="buildId" value={build.id} />
        <Field label="Add to channel" htmlFor="promote-channel" hint={`In: ${build.channels.join(", ") || "—"}`}>
          <input
            id="promote-channel"
            name="channel"
            required
            placeholder="production"
            className="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-600 dark:bg-slate-900"
          />
        </Field>
        <SubmitButton small>Add</SubmitButton>
      </ActionForm>
      <ActionForm action={editNotesAction} label="Release notes" resetOnSuccess={false} className="space-y-2">
        <input type="hidden" name="buildId" value={build.id} />
        <Field label="Release notes (Markdown)" htmlFor="edit-notes">
          <textarea
            id="edit-notes"
            name="notes"
            rows={5}
            defaultValue={build.notes ?? ""}
            className="w-full rounded-md border border-slate-300 bg-white p-2 font-mono text-sm dark:border-slate-600 dark:bg-slate-900"
          />
        </Field>
        <SubmitButton small variant="secondary">
          Save notes
        </SubmitButton>
      </ActionForm>
      <ActionForm
        action={deleteBuildAction}
        label="Delete build"
        confirm="Delete this build, its file and its install links?"
      >
        <input type="hidden" name="buildId" value={build.id} />
        <SubmitButton small variant="danger">
          Delete build
        </SubmitButton>
      </ActionForm>
    </section>
  );
}
