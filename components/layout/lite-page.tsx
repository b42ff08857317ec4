import Head from "next/head";
import type { ComponentType, ReactNode } from "react";
import type { LiteShell } from "@/components/layout/shell-props";
import { MAIN_CLASS, SiteHeader } from "@/components/layout/site-header";
import { NotFoundView } from "@/components/ui/not-found-view";
import { SITE } from "@/lib/ui/site";

/**
 * The frame of a page served without the React runtime (pages/, with
 * `unstable_runtimeJS: false`): the same header and main column as
 * app/layout.tsx, and public/page-script.js (lib/ui/page-script.ts), a few KB
 * of progressive enhancement, in place of React and Next.js' client (~155 KB).
 */
export function LitePage({ title, shell, children }: { title: string; shell: LiteShell; children: ReactNode }) {
  return (
    <>
      <Head>
        <title>{`${title} · ${SITE.name}`}</title>
        <meta key="viewport" name="viewport" content="width=device-width, initial-scale=1" />
      </Head>
      <SiteHeader {...shell.header} />
      <main className={MAIN_CLASS}>{children}</main>
      <script src="/page-script.js" nonce={shell.nonce ?? undefined} defer />
    </>
  );
}

/** A view's props, or "not found" (status 404) for a reader who may not open the page (litePageNotFound). */
export type LitePageProps<View> = { shell: LiteShell; view: View } | { shell: LiteShell; notFound: true };

/** A runtime-less page's default export: `view` (from its getServerSideProps) rendered by `View` inside LitePage. */
export function litePageOf<View extends object>(title: string, View: ComponentType<View>) {
  return function Page(props: LitePageProps<View>) {
    if (!("view" in props)) {
      return (
        <LitePage title="Not found" shell={props.shell}>
          <NotFoundView />
        </LitePage>
      );
    }
    return (
      <LitePage title={title} shell={props.shell}>
        <View {...props.view} />
      </LitePage>
    );
  };
}
