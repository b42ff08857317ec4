import { Head, Html, Main, NextScript } from "next/document";
import { BODY_CLASS } from "@/components/layout/site-header";
import { SITE } from "@/lib/ui/site";

/** The document of the Pages Router pages: what app/layout.tsx's <html>, <body> and metadata give the others. */
export default function FerryDocument() {
  return (
    <Html lang="en">
      <Head>
        <meta name="description" content={SITE.description} />
        <link rel="icon" href={SITE.icon} />
        <link rel="apple-touch-icon" href={SITE.appleIcon} />
        <link rel="manifest" href={SITE.manifest} />
      </Head>
      <body className={BODY_CLASS}>
        <Main />
        <NextScript />
      </body>
    </Html>
  );
}
