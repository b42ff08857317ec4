/**
 * Watch / Unwatch on the app and channel pages: a plain form (these pages ship
 * without the React runtime) posting to /api/v1/watches, which sends the
 * browser back here. Server-rendered only.
 */
export type WatchControlProps = {
  appId: string;
  /** null: the whole app. */
  channel: string | null;
  watching: boolean;
  /** Whether this server sends email at all (SMTP configured). */
  mailEnabled: boolean;
  /** Admins and the app's uploaders: a link to its update keys. */
  updateKeysPath?: string | null;
};

const BUTTON =
  "inline-flex min-h-10 items-center rounded-lg border border-slate-300 bg-white px-3 text-sm font-medium text-slate-800 hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800";
const MUTED = "text-sm text-slate-600 dark:text-slate-300";

export function WatchControl({ appId, channel, watching, mailEnabled, updateKeysPath }: WatchControlProps) {
  const what = channel ? `the ${channel} channel` : "this app";
  return (
    <div className="mb-4 flex flex-wrap items-center gap-x-3 gap-y-2" data-testid="watch-control">
      <form method="post" action="/api/v1/watches">
        <input type="hidden" name="appId" value={appId} />
        {channel ? <input type="hidden" name="channel" value={channel} /> : null}
        <input type="hidden" name="watching" value={watching ? "false" : "true"} />
        <button type="submit" className={BUTTON} data-testid={watching ? "unwatch" : "watch"}>
          {watching ? "Unwatch" : "Watch"}
        </button>
      </form>
      <p className={MUTED}>
        {watching
          ? `You get an email when a new build of ${what} is out.`
          : `Get an email when a new build of ${what} is out.`}
        {mailEnabled ? null : " (This server does not send email yet: an admin sets SMTP_URL.)"}{" "}
        <a href="/settings/notifications" className="underline">
          What you watch
        </a>
        {updateKeysPath ? (
          <>
            {" · "}
            <a href={updateKeysPath} className="underline">
              Update keys
            </a>
          </>
        ) : null}
      </p>
    </div>
  );
}
