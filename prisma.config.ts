// Used by the Prisma CLI only (generate; migrate deploy where the engine exists).
// The app itself never reads this file: lib/db/ resolves the database at boot.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/ferry" },
});
