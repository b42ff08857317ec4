import { AdminNavLinks } from "@/components/admin/admin-nav-links";
import { CreateGroupForm } from "@/components/admin/create-group-form";
import { GroupCard } from "@/components/admin/group-card";
import { FormMessage } from "@/components/ui/form-message";
import { PageNav } from "@/components/ui/page-nav";
import type { PostFormsProps } from "@/components/ui/post-form";
import { Card, EmptyState, PageHeader } from "@/components/ui/ui";
import type { GroupDto } from "@/lib/groups/data";

export type GroupsViewProps = {
  groups: GroupDto[];
  total: number;
  /** How many apps exist: none, or all granted, replaces a card's grant input. */
  appCount: number;
  cursor: string | null;
  nextCursor: string | null;
  forms: PostFormsProps;
};

/** Admin Groups (/admin/groups): create a group; each card's members and apps, as plain posts. */
export function GroupsView({ groups, total, appCount, cursor, nextCursor, forms }: GroupsViewProps) {
  // Refusals of the page itself, and a deleted group's message (its card is gone).
  const result = forms.result;
  const top = result && (result.action === "" || (result.action === "delete-group" && result.state.ok)) ? result : null;
  return (
    <div className="space-y-6">
      <AdminNavLinks pathname="/admin/groups" />
      <PageHeader title="Groups">
        Members of a group can see and install every app granted to the group. Uploaders in the group can also publish
        builds to those apps.
      </PageHeader>
      {top ? <FormMessage state={top.state} /> : null}
      <Card title="Create a group" testId="create-group">
        <CreateGroupForm forms={forms} />
      </Card>
      {total === 0 ? (
        <EmptyState>No groups yet. Create one, add people to it, then grant it apps.</EmptyState>
      ) : (
        <div className="space-y-4" data-testid="group-list">
          {groups.map((group) => (
            <GroupCard key={group.id} group={group} appCount={appCount} forms={forms} />
          ))}
        </div>
      )}
      <PageNav path="/admin/groups" label="Groups pages" cursor={cursor ?? undefined} nextCursor={nextCursor} />
    </div>
  );
}
