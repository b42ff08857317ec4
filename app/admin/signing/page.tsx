import type { Metadata } from "next";
import { ApiForm } from "@/components/signing/api-form";
import { AppStoreConnectKeyPanel, DeviceSyncForm } from "@/components/signing/app-store-connect-panel";
import { RenewBuilds } from "@/components/signing/renew-builds";
import { PageNav } from "@/components/ui/page-nav";
import { Card, EmptyState, Field, inputClass, PageHeader, ScrollRegion, TableHead } from "@/components/ui/ui";
import { userActor } from "@/lib/access/actor";
import { getAscKey, listDeviceSyncs } from "@/lib/app-store-connect/data";
import { listAppsPageFor } from "@/lib/apps/data";
import { requireAdminPage } from "@/lib/auth/require-user";
import { pageQueryFromSearch } from "@/lib/http/pagination";
import { listSigningIdentities } from "@/lib/signing/identities/data";
import { listSigningProfiles } from "@/lib/signing/profiles/data";
import { renewOffers } from "@/lib/signing/resign/renew-options";
import { LINK } from "@/lib/ui/styles";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Signing" };

const day = (iso: string) => iso.slice(0, 10);

// The device sync settings: a page of apps at a time (keyset, as the apps list), their settings in one query.
const PAGE_SIZE = 20;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Admins: the signing identities and provisioning profiles builds are re-signed with (never the keys). */
export default async function AdminSigningPage({ searchParams }: Props) {
  const user = await requireAdminPage("/admin/signing");
  const actor = userActor(user, { ip: null, userAgent: null });
  const now = Date.now();
  const query = pageQueryFromSearch(await searchParams, PAGE_SIZE);
  const [identities, profiles, offers, ascKey, appPage] = await Promise.all([
    listSigningIdentities(actor),
    listSigningProfiles(actor),
    renewOffers(actor, now),
    getAscKey(actor),
    listAppsPageFor(user, query),
  ]);
  const apps = appPage.items;
  const syncs = await listDeviceSyncs(
    actor,
    apps.map((app) => app.id),
  );
  const offerFor = new Map(offers.map((o) => [o.profile.id, o]));
  return (
    <div className="space-y-6">
      <PageHeader title="Signing">
        Certificates and provisioning profiles Ferry re-signs builds with (Re-sign on a build&apos;s page, or{" "}
        <code className="rounded bg-slate-100 px-1 dark:bg-slate-800">POST /api/v1/builds/&lt;id&gt;/resign</code>).
        Private keys are encrypted at rest and never shown again.
      </PageHeader>

      <Card title="Add a signing identity" testId="add-identity">
        <ApiForm endpoint="/api/v1/signing/identities" label="Add a signing identity" submitLabel="Add identity">
          <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
            <Field label=".p12 file" htmlFor="identity-file" hint="Exported from Keychain Access with its private key.">
              <input id="identity-file" name="file" type="file" accept=".p12,.pfx" className={inputClass} />
            </Field>
            <Field label="Password" htmlFor="identity-password" hint="The .p12's password.">
              <input id="identity-password" name="password" type="password" autoComplete="off" className={inputClass} />
            </Field>
          </div>
        </ApiForm>
      </Card>

      {identities.length === 0 ? (
        <EmptyState>No signing identities yet.</EmptyState>
      ) : (
        <ScrollRegion label="Signing identities">
          <table className="w-full text-left text-sm" data-testid="identities-table">
            <TableHead columns={["Certificate", "Team", "Serial", "Expires", "Added"]} actions />
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {identities.map((identity) => (
                <tr key={identity.id}>
                  <td className="px-4 py-2 font-medium">{identity.commonName}</td>
                  <td className="px-4 py-2">{identity.teamId ?? "—"}</td>
                  <td className="px-4 py-2 font-mono text-xs">{identity.serial}</td>
                  <td className="px-4 py-2">
                    {day(identity.notAfter)}
                    {Date.parse(identity.notAfter) < now ? (
                      <span className="ml-2 text-red-700 dark:text-red-300">expired</span>
                    ) : null}
                  </td>
                  <td className="px-4 py-2">
                    {day(identity.createdAt)}
                    {identity.createdBy ? ` by ${identity.createdBy}` : ""}
                  </td>
                  <td className="px-4 py-2 text-right">
                    <ApiForm
                      endpoint={`/api/v1/signing/identities/${identity.id}`}
                      method="DELETE"
                      label={`Delete ${identity.commonName}`}
                      submitLabel="Delete"
                      variant="danger"
                      confirm={`Delete the identity "${identity.commonName}" and its private key?`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}

      <Card title="App Store Connect (Add my iPhone)" testId="app-store-connect">
        <AppStoreConnectKeyPanel keyInfo={ascKey} />
      </Card>

      {ascKey.configured && identities.length > 0 && apps.length > 0 ? (
        <Card title="Keep devices in sync" testId="device-sync">
          <p className={`mb-3 text-sm text-slate-600 dark:text-slate-300`}>
            For ad hoc and development apps: Ferry registers the devices people add, regenerates the app&apos;s profiles
            and re-signs the newest build of each channel. The identity&apos;s certificate must be in the key&apos;s
            account.
          </p>
          <div className="space-y-4">
            {apps.map((app) => (
              <DeviceSyncForm
                key={app.id}
                app={{ id: app.id, name: app.name }}
                sync={syncs.get(app.id) ?? { appId: app.id, enabled: false, identityId: null, profileType: null }}
                identities={identities.map((identity) => ({ id: identity.id, label: identity.commonName }))}
              />
            ))}
          </div>
          <div className="mt-3">
            <PageNav
              path="/admin/signing"
              label="Device sync pages"
              cursor={query.cursor}
              nextCursor={appPage.nextCursor}
            />
          </div>
        </Card>
      ) : null}

      <Card title="Add a provisioning profile" testId="add-profile">
        <ApiForm endpoint="/api/v1/signing/profiles" label="Add a provisioning profile" submitLabel="Add profile">
          <Field label=".mobileprovision file" htmlFor="profile-file">
            <input id="profile-file" name="file" type="file" accept=".mobileprovision" className={inputClass} />
          </Field>
        </ApiForm>
      </Card>

      {profiles.length === 0 ? (
        <EmptyState>No provisioning profiles yet.</EmptyState>
      ) : (
        <ScrollRegion label="Provisioning profiles">
          <table className="w-full text-left text-sm" data-testid="profiles-table">
            <TableHead columns={["Profile", "Type", "Team", "App id", "Devices", "Expires"]} actions />
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {profiles.map((profile) => (
                <tr key={profile.id}>
                  <td className="px-4 py-2">
                    <span className="font-medium">{profile.name}</span>
                    <span className="block font-mono text-xs text-slate-500 dark:text-slate-400">{profile.uuid}</span>
                  </td>
                  <td className="px-4 py-2">{profile.type}</td>
                  <td className="px-4 py-2">{profile.teamId ?? "—"}</td>
                  <td className="px-4 py-2 font-mono text-xs">{profile.appIdPattern}</td>
                  <td className="px-4 py-2">{profile.devices.length}</td>
                  <td className="px-4 py-2">
                    {day(profile.notAfter)}
                    {Date.parse(profile.notAfter) < now ? (
                      <span className="ml-2 text-red-700 dark:text-red-300">expired</span>
                    ) : null}
                    {offerFor.has(profile.id) ? (
                      <a href={`#renew-${profile.id}`} className={`ml-2 ${LINK}`}>
                        Renew {offerFor.get(profile.id)?.builds.length} build
                        {offerFor.get(profile.id)?.builds.length === 1 ? "" : "s"}
                      </a>
                    ) : null}
                  </td>
                  <td className="px-4 py-2 text-right">
                    <ApiForm
                      endpoint={`/api/v1/signing/profiles/${profile.id}`}
                      method="DELETE"
                      label={`Delete ${profile.name}`}
                      submitLabel="Delete"
                      variant="danger"
                      confirm={`Delete the profile "${profile.name}"?`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}

      {offers.length > 0 ? (
        <Card title="Profiles about to expire" testId="renew">
          <div className="space-y-4">
            {offers.map((offer) => (
              <RenewBuilds key={offer.profile.id} offer={offer} />
            ))}
          </div>
        </Card>
      ) : null}
    </div>
  );
}
