/**
 * What `soundgate serve` tells the person who started it. One URL to open (the
 * gateway's openUrl: its public URL whenever that reaches this process), then what it
 * runs on. Its first line, `Soundgate is listening on <url>`, is also what scripts and
 * tests wait for (`/listening on (http:\/\/\S+)/`), so it never ends in punctuation.
 */
export interface BannerFacts {
  /** RunningGateway.openUrl. */
  url: string;
  /** SOUNDGATE_PUBLIC_URL, shown when it is not `url` (behind a proxy). */
  publicUrl: string;
  /** The SoundCloud app, or the built-in emulator's port. */
  soundcloud: { clientId: string } | { emulatorPort: number };
  /** Gateway.keySource: a development key file or an ephemeral key is worth saying. */
  key?:
    | { kind: "configured" }
    | { kind: "development"; path: string; created: boolean }
    | { kind: "ephemeral" };
  /** Where /metrics answers, and how. Undefined when metrics are off. */
  metrics?: { url: string; token: boolean } | undefined;
}

export function serveBanner(facts: BannerFacts): string {
  const rows: Array<[string, string]> = [];
  if (facts.publicUrl !== facts.url) rows.push(["public URL", facts.publicUrl]);
  rows.push([
    "SoundCloud",
    "clientId" in facts.soundcloud
      ? `app ${facts.soundcloud.clientId}`
      : `the built-in emulator on port ${facts.soundcloud.emulatorPort} (no SOUNDCLOUD_CLIENT_ID is set)`,
  ]);
  if (facts.key?.kind === "development") {
    rows.push([
      "encryption key",
      `${facts.key.created ? "a new development key" : "the development key"} in ${facts.key.path}: restarts keep you signed in (never for production)`,
    ]);
  } else if (facts.key?.kind === "ephemeral") {
    rows.push([
      "encryption key",
      "ephemeral, and the database is in memory: a restart signs everyone out",
    ]);
  }
  if (facts.metrics) {
    rows.push([
      "metrics",
      facts.metrics.token
        ? `${facts.metrics.url} (Authorization: Bearer $SOUNDGATE_METRICS_TOKEN)`
        : facts.metrics.url,
    ]);
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    "",
    `  Soundgate is listening on ${facts.url}`,
    ...rows.map(([label, value]) => `    ${label.padEnd(width)}  ${value}`),
    "",
  ];
  if ("emulatorPort" in facts.soundcloud) {
    lines.push(`  Open it in a browser and click "Connect with SoundCloud".`, "");
  }
  return `${lines.join("\n")}\n`;
}
