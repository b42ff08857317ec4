/**
 * The page's one "who to ask" sentence for a version that cannot install here:
 * the blockers themselves only state facts, so a page with a blocked lead, a
 * blocked older version and a device notice still asks once.
 */
export function AskUploader({ contact, device }: { contact: string | null; device: boolean }) {
  const what = device ? "to add this device to the build, or for a build that installs here" : "for a new build";
  return (
    <p className="mt-1" data-testid="ask-uploader">
      {contact ? (
        <>
          Ask{" "}
          <a href={`mailto:${contact}`} className="font-medium underline">
            {contact}
          </a>{" "}
          (who uploaded it) {what}.
        </>
      ) : (
        `Ask the app's team or your IT administrator ${what}.`
      )}
    </p>
  );
}
