import { PostForm, type PostFormsProps, postedTo } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { inputClass } from "@/components/ui/ui";

export function ImportDevicesForm({ forms }: { forms: PostFormsProps }) {
  // After a refused import, the list that was pasted.
  const typed = postedTo(forms, "import-devices")?.values ?? {};
  return (
    <PostForm action="import-devices" forms={forms} label="Import devices" className="flex flex-col gap-2">
      <textarea
        name="list"
        rows={4}
        aria-label="Device list"
        defaultValue={typed.list}
        placeholder={"Device ID\tDevice Name\tDevice Platform\n00008030-001A35E11234802E\tJane's iPhone\tios"}
        className={`${inputClass} font-mono text-xs`}
      />
      <div>
        <SubmitButton>Import</SubmitButton>
      </div>
    </PostForm>
  );
}
