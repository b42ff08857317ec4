import Link from "next/link";
import { Badge } from "@/components/ui/ui";
import { type ChannelDto, listChannelsFor } from "@/lib/channels/data";
import type { UserDto } from "@/lib/users/data";

/** An app's channels the user sees, each with its newest build and its stable page and install links. */
export async function ChannelList({ user, appId }: { user: UserDto; appId: string }) {
  const channels: ChannelDto[] = await listChannelsFor(user, appId);
  if (channels.length <= 1 && channels.every((c) => c.isDefault && !c.restricted)) return null;
  return (
    <section className="mb-6" data-testid="channel-list">
      <h2 className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500">Channels</h2>
      <ul className="flex flex-wrap gap-2">
        {channels.map((c) => {
          const path = `/apps/${appId}/channels/${encodeURIComponent(c.name)}`;
          return (
            <li key={c.id} className="rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm">
              <Link href={path} className="font-medium hover:underline">
                {c.isDefault ? `${c.name} (main)` : c.name}
              </Link>{" "}
              {c.restricted ? (
                <Badge color="amber">{c.groups.map((g) => g.name).join(", ") || "restricted"}</Badge>
              ) : null}
              <span className="ml-2 text-slate-500">
                {c.latest ? `${c.latest.version} (${c.latest.buildNumber})` : "empty"}
              </span>
              {c.latest ? (
                <a href={`${path}/install`} className="ml-2 text-sky-700 hover:underline">
                  Install newest
                </a>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
