import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Soundgate's stores and logger load modules a bundler cannot take: the SQLite binding
  // (better-sqlite3, a native addon), Postgres (pg, with its optional native client) and
  // pino (worker threads). Next leaves these out of the bundle by default today; naming
  // them keeps this app working whatever that default list becomes.
  serverExternalPackages: ["better-sqlite3", "pg", "pino"],
};

export default nextConfig;
