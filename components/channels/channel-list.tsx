import { Badge } from "@/components/ui/ui";
import type { ChannelDto } from "@/lib/channels/data";

/**
 * An app's channels the user sees, each with its newest build and its stable page and install links.
 * Plain links: the channel pages are served without the React runtime (pages/), so no client-side navigation.
 */
export function ChannelList({ appId, channels }: { appId: string; channels: ChannelDto[] }) {
  if (channels.length <= 1 && channels.every((c) => c.isDefault && !c.restricted)) return null;
  return (
    <section className="mb-6" data-testid="channel-list">
      <h2 className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">
        Channels
      </h2>
      <ul className="flex flex-wrap gap-2">
        {channels.map((c) => {
          const path = `/apps/${appId}/channels/${encodeURIComponent(c.name)}`;
          return (
            <li
              key={c.id}
              className="rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900"
            >
              <a href={path} className="font-medium hover:underline">
                {c.isDefault ? `${c.name} (main)` : c.name}
              </a>{" "}
              {c.restricted ? (
                <Badge color="amber">{c.groups.map((g) => g.name).join(", ") || "restricted"}</Badge>
              ) : null}
              <span className="ml-2 text-slate-500 dark:text-slate-400">
                {c.latest ? `${c.latest.version} (${c.latest.buildNumber})` : "empty"}
              </span>
              {c.latest ? (
                <a href={`${path}/install`} className="ml-2 text-sky-700 hover:underline dark:text-sky-300">
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
