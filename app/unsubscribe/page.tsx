import type { Metadata } from "next";
import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Card, PageHeader } from "@/components/ui/ui";
import { unsubscribeAction } from "@/lib/notifications/unsubscribe-actions";
import { readUnsubscribeToken } from "@/lib/notifications/unsubscribe-token";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Unsubscribe" };

/**
 * Where an email's "Stop watching" links lead (no sign-in needed). A GET never
 * unsubscribes (mail scanners open links): the button does.
 */
export default async function UnsubscribePage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token = "" } = await searchParams;
  const target = readUnsubscribeToken(token);
  return (
    <div className="space-y-6">
      <PageHeader title="Stop emails from Ferry" />
      <Card testId="unsubscribe">
        {target ? (
          <ActionForm action={unsubscribeAction} label="Unsubscribe" resetOnSuccess={false} className="space-y-3">
            <input type="hidden" name="token" value={token} />
            <p className="text-sm">
              {target.watchId === "all"
                ? "Stop watching every app and channel: Ferry sends you no more emails about new builds."
                : "Stop watching this app or channel: no more emails about its new builds."}
            </p>
            <SubmitButton>Unsubscribe</SubmitButton>
          </ActionForm>
        ) : (
          <p className="text-sm" role="alert">
            This unsubscribe link is not valid. Sign in and open “What you watch” to change your emails.
          </p>
        )}
      </Card>
    </div>
  );
}
