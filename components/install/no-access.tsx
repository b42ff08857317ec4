import { LINK, MUTED } from "@/lib/ui/styles";

export type NoAccessProps = {
  what: "app" | "build" | "channel";
  /** Who grants access (lib/users/data.ts adminContacts). */
  admins: string[];
  /** The app, only when the reader may see it (a build or channel of it they cannot see). */
  app: { id: string; name: string } | null;
};

/**
 * What a shared link to an app, build or channel the reader cannot see shows
 * (status 404). It is the same for something that does not exist, so a link
 * reveals nothing the link itself does not already say: no app name, no
 * uploader, not even whether the app exists. It names admins, who grant access.
 */
export function NoAccess({ what, admins, app }: NoAccessProps) {
  return (
    <div className="mx-auto mt-10 max-w-lg" data-testid="no-access">
      <h1 className="text-2xl font-semibold tracking-tight">No access</h1>
      <p className="mt-2">
        You don&apos;t have access to this {what}, or it no longer exists.
        {app ? (
          <>
            {" "}
            You can see{" "}
            <a href={`/apps/${app.id}`} className={`${LINK} underline`}>
              the versions of {app.name} open to you
            </a>
            .
          </>
        ) : null}
      </p>
      <p className="mt-2" data-testid="no-access-ask">
        If someone shared this link with you, ask an admin for access
        {admins.length > 0 ? (
          <>
            :{" "}
            {admins.map((email, index) => (
              <span key={email}>
                {index > 0 ? ", " : ""}
                <a href={`mailto:${email}`} className={`${LINK} underline`}>
                  {email}
                </a>
              </span>
            ))}
            .
          </>
        ) : (
          " (your IT administrator)."
        )}
      </p>
      <p className={`mt-4 text-sm ${MUTED}`}>
        <a href="/" className={LINK}>
          Back to your apps
        </a>
      </p>
    </div>
  );
}
