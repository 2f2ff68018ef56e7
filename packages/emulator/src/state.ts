import { randomBytes } from "node:crypto";
import { PlaysQuota } from "./api/plays-quota.js";
import { Catalog, type UserRecord } from "./catalog.js";
import {
  autoApproveProblem,
  type ConfigPatch,
  type EmulatorConfig,
  initialSettings,
  rateLimitsProblem,
  type Settings,
} from "./config.js";
import { FaultQueue, type FaultRuntime } from "./faults.js";
import { GrantStore } from "./oauth/grants.js";
import { SlidingWindowLimiter } from "./oauth/rate-limit.js";
import { clientProblem, copyClient, type EmulatorClient, type EmulatorOptions } from "./options.js";
import { seedCatalog } from "./seed.js";
import { readStateFile, type SavedState, StateFileError, writeStateFile } from "./state-file.js";
import { type EmulatorStats, emptyStats } from "./stats.js";
import type { UploadRecord } from "./upload-record.js";

/**
 * Everything one emulator instance remembers. Each piece that /_emulator/reset
 * restores is rebuilt from the start options; registered clients survive.
 */
export class EmulatorState implements FaultRuntime {
  readonly now: () => number;
  readonly publicUrl: string | undefined;
  readonly clients = new Map<string, EmulatorClient>();
  readonly faults = new FaultQueue();
  readonly clientCredentialsLimiter = new SlidingWindowLimiter();
  readonly playsQuota = new PlaysQuota();
  /** Signs pagination cursors, so a tampered cursor is detected instead of trusted. */
  readonly cursorKey: Buffer;
  /** Where clients, grants, tokens and writes are kept across restarts (`--state-file`). */
  readonly stateFile: string | undefined;

  settings: Settings;
  stats: EmulatorStats = emptyStats();
  catalog: Catalog;
  /** Files received by `POST /tracks`, oldest first (shown at /_emulator/uploads). */
  uploads: UploadRecord[];
  grants: GrantStore;

  private readonly startSettings: Settings;
  private readonly closeCallbacks = new Set<() => void>();

  constructor(options: EmulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.publicUrl = normalizePublicUrl(options.publicUrl);
    for (const client of options.clients ?? []) {
      const problem = clientProblem(client);
      if (problem) throw new TypeError(`invalid client in options: ${problem}`);
    }
    if (
      options.stateFile !== undefined &&
      (typeof options.stateFile !== "string" || options.stateFile === "")
    ) {
      throw new TypeError("invalid stateFile option: must be a file path");
    }
    this.stateFile = options.stateFile;
    const saved = this.stateFile === undefined ? null : readStateFile(this.stateFile);
    const restored = saved ? this.restored(saved) : null;
    this.cursorKey = saved ? Buffer.from(saved.cursor_key, "base64") : randomBytes(32);
    this.catalog = restored?.catalog ?? seedCatalog();
    this.grants = restored?.grants ?? new GrantStore(this.now);
    this.uploads = restored?.uploads ?? [];
    // Clients named in the options are registered on top of the saved ones (same id: replaced).
    for (const client of [...(restored?.clients ?? []), ...(options.clients ?? [])]) {
      this.clients.set(client.client_id, copyClient(client));
    }
    for (const client of options.clients ?? []) {
      const problem = this.clientApproveProblem(client);
      if (problem) throw new TypeError(`invalid client in options: ${problem}`);
    }
    this.startSettings = initialSettings(options);
    const approve = autoApproveProblem(this.startSettings.auto_approve, (name) =>
      Boolean(this.catalog.signInUser(name)),
    );
    if (approve) throw new TypeError(`invalid autoApprove option: ${approve}`);
    const limits = rateLimitsProblem(this.startSettings.rate_limits);
    if (limits) throw new TypeError(`invalid rateLimits option: ${limits}`);
    for (const [name, value, min] of [
      ["accessTokenTtlS", this.startSettings.access_token_ttl_s, 1],
      ["codeTtlS", this.startSettings.code_ttl_s, 1],
      ["latencyMs", this.startSettings.latency_ms, 0],
    ] as const) {
      if (!Number.isInteger(value) || value < min) {
        throw new TypeError(`invalid ${name} option: must be an integer >= ${min}`);
      }
    }
    this.settings = cloneSettings(this.startSettings);
    // A new state file is written at once, so an unwritable path fails at start, not later.
    if (this.stateFile !== undefined && !saved) this.save();
  }

  /** Writes the state file (when there is one). Throws StateFileError when it cannot. */
  save(): void {
    if (this.stateFile === undefined) return;
    writeStateFile(this.stateFile, {
      clients: [...this.clients.values()].map(copyClient),
      grants: this.grants.snapshot(),
      catalog: this.catalog.snapshot(),
      uploads: this.uploads,
      cursor_key: this.cursorKey.toString("base64"),
    });
  }

  /** The parts a state file holds, rebuilt; anything that does not hang together is a StateFileError. */
  private restored(saved: SavedState) {
    const path = this.stateFile as string;
    try {
      for (const client of saved.clients) {
        const problem = clientProblem(client);
        if (problem) throw new Error(`a saved client is invalid: ${problem}`);
      }
      return {
        clients: saved.clients,
        catalog: Catalog.restore(saved.catalog),
        grants: GrantStore.restore(saved.grants, this.now),
        uploads: saved.uploads,
      };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new StateFileError(path, `is corrupt (${detail}); nothing was changed`);
    }
  }

  /** Back to the start options: tokens, codes, consents, stats, faults, config, seeded data and uploads. */
  reset(): void {
    this.settings = cloneSettings(this.startSettings);
    this.stats = emptyStats();
    this.catalog = seedCatalog();
    this.uploads = [];
    this.grants = new GrantStore(this.now);
    this.faults.clear();
    this.clientCredentialsLimiter.clear();
    this.playsQuota.clear();
  }

  config(): EmulatorConfig {
    return { ...cloneSettings(this.settings), fail_next: this.faults.list() };
  }

  applyConfig(patch: ConfigPatch): void {
    this.settings = patch.settings;
    if (patch.faults !== null) {
      // `fail_next: null` (an empty list) clears what is pending; anything else queues.
      if (patch.faults.length === 0) this.faults.clear();
      else this.faults.add(patch.faults);
    }
  }

  /**
   * The account auto-approve signs in as, or null when consent is shown. A client's own
   * `auto_approve` wins over the emulator-wide setting.
   */
  autoApproveUser(client?: EmulatorClient): UserRecord | null {
    const setting = client?.auto_approve ?? this.settings.auto_approve;
    if (setting === false) return null;
    if (setting === true) return this.catalog.signInUsers[0] ?? null;
    return this.catalog.signInUser(setting) ?? null;
  }

  /** A client's `auto_approve` naming no seeded user (the rest clientProblem checks). */
  clientApproveProblem(client: EmulatorClient): string | null {
    if (client.auto_approve === undefined) return null;
    return autoApproveProblem(client.auto_approve, (name) =>
      Boolean(this.catalog.signInUser(name)),
    );
  }

  onClose(callback: () => void): () => void {
    this.closeCallbacks.add(callback);
    return () => this.closeCallbacks.delete(callback);
  }

  /** Releases requests held by `hang` faults so the server can close. */
  close(): void {
    for (const callback of [...this.closeCallbacks]) callback();
    this.closeCallbacks.clear();
  }
}

function cloneSettings(settings: Settings): Settings {
  return { ...settings, rate_limits: { ...settings.rate_limits } };
}

function normalizePublicUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError("invalid publicUrl option: must be an absolute http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError("invalid publicUrl option: must be an absolute http(s) URL");
  }
  // An origin plus an optional path prefix, without a trailing slash.
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}
