import Link from "next/link";
import { Badge } from "@/components/ui/ui";

/** The channels a build is in, each linking to the channel's stable page. */
export function ChannelBadges({ appId, channels }: { appId: string; channels: string[] }) {
  if (channels.length === 0) return null;
  return (
    <span className="inline-flex flex-wrap gap-1" data-testid="channel-badges">
      {channels.map((name) => (
        <Link key={name} href={`/apps/${appId}/channels/${encodeURIComponent(name)}`}>
          <Badge color={name === "default" ? "slate" : "indigo"}>{name}</Badge>
        </Link>
      ))}
    </span>
  );
}
