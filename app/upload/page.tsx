import type { Metadata } from "next";
import { UploadForm } from "@/components/upload/upload-form";
import { can } from "@/lib/access/policy";
import { requirePagePermission } from "@/lib/auth/require-user";
import { publishableChannelsFor } from "@/lib/channels/data";
import { env } from "@/lib/config/env";
import { formatBytes } from "@/lib/ui/format";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Upload a build" };

export default async function UploadPage() {
  const user = await requirePagePermission("/upload", "build.upload");
  const channels = await publishableChannelsFor(user);
  return (
    <div className="mx-auto max-w-2xl">
      <h1 className="mb-1 text-2xl font-semibold tracking-tight">Upload a build</h1>
      <p className="mb-6 text-sm text-slate-600 dark:text-slate-300">
        Drop an .ipa exported from Xcode (Ad Hoc, Enterprise or Development). Up to {formatBytes(env().maxUploadBytes)}.
        From CI:{" "}
        <code className="rounded bg-slate-100 px-1 dark:bg-slate-800">
          curl -H &quot;Authorization: Bearer $FERRY_TOKEN&quot; -F file=@MyApp.ipa {env().publicUrl}/api/v1/builds
        </code>
      </p>
      {channels.length === 0 && !can(user, "app.create") ? (
        <p
          data-testid="no-publishable-apps"
          className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
        >
          You can&apos;t publish builds to any app yet: an admin grants apps to your groups. You can still inspect a
          provisioning profile here.
        </p>
      ) : null}
      <UploadForm channels={channels} />
    </div>
  );
}
