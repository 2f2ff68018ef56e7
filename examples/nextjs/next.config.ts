import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Loaded by Node, not bundled:
  // - @soundgate/server, so every page and route handler shares one copy of it (bundled,
  //   pages and route handlers each get their own);
  // - what it loads that a bundler cannot take: the SQLite binding (better-sqlite3, a
  //   native addon) and Postgres (pg, with its optional native client). They matter where
  //   @soundgate/server is bundled anyway: in the Soundgate repository, where it is a link
  //   to ../../packages/server and Next treats it as app code.
  serverExternalPackages: ["@soundgate/server", "better-sqlite3", "pg"],
};

export default nextConfig;
