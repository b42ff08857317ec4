import { Badge } from "@/components/ui/ui";

/**
 * The channels a build is in, each linking to the channel's stable page (plain links:
 * those pages are served without the React runtime, so no client-side navigation).
 */
export function ChannelBadges({ appId, channels }: { appId: string; channels: string[] }) {
  if (channels.length === 0) return null;
  return (
    <span className="inline-flex flex-wrap gap-1" data-testid="channel-badges">
      {channels.map((name) => (
        <a key={name} href={`/apps/${appId}/channels/${encodeURIComponent(name)}`}>
          <Badge color={name === "default" ? "slate" : "indigo"}>{name}</Badge>
        </a>
      ))}
    </span>
  );
}
