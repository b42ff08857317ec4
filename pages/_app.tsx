import type { AppProps } from "next/app";
import "@/app/globals.css";

/** The Pages Router pages (served without the React runtime) share the App Router's stylesheet. */
export default function FerryApp({ Component, pageProps }: AppProps) {
  return <Component {...pageProps} />;
}
