/** What every page's <head> says about Ferry, on both routers (app/layout.tsx, pages/_document.tsx). */
export const SITE = {
  name: "Ferry",
  description: "Install your company's iOS apps",
  // Static files in public/ (scripts/generate-icons.ts): tab icon, iPhone home-screen icon, web app manifest.
  icon: "/favicon.ico",
  appleIcon: "/apple-touch-icon.png",
  manifest: "/manifest.webmanifest",
} as const;
