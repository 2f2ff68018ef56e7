import { parseArgs } from "node:util";
import { EXIT, type ExitCode, UsageError } from "soundgate/exit-codes";
import { type EmulatorClient, type EmulatorOptions, redirectUriProblem } from "./options.js";
import { startEmulator } from "./server.js";
import { StateFileError } from "./state-file.js";

/** Where the CLI writes; injectable so it can be mounted inside another CLI or tested in-process. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** How the CLI is run: standalone, or mounted in another CLI under another name. */
export interface EmulatorCliOptions {
  io?: CliIo;
  /** The name in messages and the help: "soundgate-emulator" (default) or "soundgate emulator". */
  program?: string;
}

const DEFAULT_PROGRAM = "soundgate-emulator";

/** The help text, naming the program as the person ran it. */
export function emulatorUsage(program = DEFAULT_PROGRAM): string {
  return USAGE.replace("PROGRAM", program);
}

const USAGE = `Usage: PROGRAM [options]

A local SoundCloud: /authorize, /oauth/token, /sign-out and the public API on
seeded data, plus a control surface under /_emulator.

Options:
  --port N                  port to listen on (default 8788; 0 picks a free port)
  --host HOST               interface to listen on (default 127.0.0.1)
  --client-id ID            register a client (needs --client-secret and --redirect-uri)
  --client-secret SECRET    that client's secret
  --redirect-uri URI        an allowed redirect URI of that client (repeatable)
  --client-name NAME        the name its consent page shows (default: the app at the
                            redirect URI's host)
  --access-token-ttl S      access token lifetime in seconds (default 3599)
  --code-ttl S              authorization code lifetime in seconds (default 60)
  --auto-approve [USER]     skip the consent page: approve as the first seeded user,
                            or as USER (a seeded username)
  --latency-ms N            delay every non-control response by N ms (default 0)
  --public-url URL          origin to put in next_href, uri and Location (default: request origin)
  --plays-quota N|off       stream requests per app per 24 h before 429 (default 15000)
  --state-file FILE         keep clients, grants, tokens and writes in FILE across restarts
  -h, --help                show this help

Exit status (the same table as the soundgate CLI's): 0 after SIGINT/SIGTERM, 2 for
bad flags, 3 when the port is taken or the state file is unreadable, corrupt or cannot
be written, 1 for anything else.
`;

const DEFAULT_PORT = 8788;

/**
 * Runs the emulator CLI until SIGINT/SIGTERM and returns its exit status (the soundgate
 * CLI's table: soundgate/exit-codes). Bad flags print one line to stderr; nothing secret
 * is ever printed.
 */
export async function runEmulatorCli(
  argv: string[],
  options: EmulatorCliOptions = {},
): Promise<ExitCode> {
  const program = options.program ?? DEFAULT_PROGRAM;
  const io = options.io ?? {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
  } catch (error) {
    const message = usageMessage(error);
    io.err(`${program}: ${message} (see ${program} --help)`);
    return EXIT.usage;
  }
  if (parsed === "help") {
    io.out(emulatorUsage(program).trimEnd());
    return EXIT.ok;
  }

  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator(parsed);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    if (code === "EADDRINUSE" || code === "EACCES") {
      const problem = code === "EADDRINUSE" ? "is already in use" : "is not allowed";
      io.err(
        `${program}: port ${parsed.port} ${problem}; choose another with --port (0 = any free port)`,
      );
      return EXIT.config;
    }
    if (error instanceof StateFileError) {
      // A configuration problem: a script can tell "the saved state is bad" from a crash.
      io.err(`${program}: ${message}`);
      return EXIT.config;
    }
    // TypeError: options the flags produced were refused (e.g. an unknown --auto-approve user).
    if (error instanceof TypeError) {
      io.err(`${program}: ${message}`);
      return EXIT.usage;
    }
    io.err(`${program}: could not start: ${message}`);
    return EXIT.failure;
  }
  io.out(`listening on ${emulator.url}`);
  for (const client of parsed.clients ?? []) {
    const named = client.name === undefined ? "" : ` "${client.name}"`;
    io.out(
      `registered client ${client.client_id}${named} (${client.redirect_uris.length} redirect URI(s))`,
    );
  }

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void emulator.close().then(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return EXIT.ok;
}

/** parseArgs explains unknown options at length; one short line is what a user needs. */
function usageMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as Error & { code?: string }).code;
  const option = /'(?:-\w, )?(-[^' ]+)/.exec(error.message)?.[1] ?? "option";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (/does not take/.test(error.message)) return `${option} takes no value`;
    return `${option}: missing or ambiguous value (write ${option}=VALUE)`;
  }
  return error.message.split("\n")[0] ?? error.message;
}

function parseCliArgs(argv: string[]): EmulatorOptions | "help" {
  const { values, positionals } = parseArgs({
    args: withAutoApproveValue(argv),
    strict: true,
    allowPositionals: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "client-id": { type: "string" },
      "client-secret": { type: "string" },
      "redirect-uri": { type: "string", multiple: true },
      "client-name": { type: "string" },
      "access-token-ttl": { type: "string" },
      "code-ttl": { type: "string" },
      "auto-approve": { type: "string" },
      "latency-ms": { type: "string" },
      "public-url": { type: "string" },
      "plays-quota": { type: "string" },
      "state-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);

  const options: EmulatorOptions = {
    port: integer("--port", values.port ?? String(DEFAULT_PORT), 0, 65_535),
    host: values.host ?? "127.0.0.1",
  };
  if (values["access-token-ttl"] !== undefined) {
    options.accessTokenTtlS = integer("--access-token-ttl", values["access-token-ttl"], 1);
  }
  if (values["code-ttl"] !== undefined) {
    options.codeTtlS = integer("--code-ttl", values["code-ttl"], 1);
  }
  if (values["latency-ms"] !== undefined) {
    options.latencyMs = integer("--latency-ms", values["latency-ms"], 0, 60_000);
  }
  if (values["auto-approve"] !== undefined) {
    const value = values["auto-approve"];
    options.autoApprove = value === "true" ? true : value === "false" ? false : value;
  }
  if (values["public-url"] !== undefined) options.publicUrl = values["public-url"];
  if (values["state-file"] !== undefined) options.stateFile = values["state-file"];
  const plays = values["plays-quota"];
  if (plays !== undefined) {
    options.rateLimits = {
      plays_per_client: plays === "off" ? null : integer("--plays-quota", plays, 0),
    };
  }

  const client = clientFrom(values["client-id"], values["client-secret"], values["redirect-uri"]);
  const name = values["client-name"]?.trim();
  if (name !== undefined) {
    if (!client) throw new UsageError("--client-name needs --client-id");
    if (name === "" || name.length > 100) {
      throw new UsageError("--client-name must be 1-100 characters");
    }
    client.name = name;
  }
  if (client) options.clients = [client];
  return options;
}

/** `--auto-approve` may stand alone; parseArgs needs a value, so supply "true". */
function withAutoApproveValue(argv: string[]): string[] {
  const out: string[] = [];
  argv.forEach((arg, i) => {
    out.push(arg);
    const next = argv[i + 1];
    if (arg === "--auto-approve" && (next === undefined || next.startsWith("-"))) out.push("true");
  });
  return out;
}

function clientFrom(
  id: string | undefined,
  secret: string | undefined,
  redirectUris: string[] | undefined,
): EmulatorClient | null {
  if (id === undefined && secret === undefined && redirectUris === undefined) return null;
  if (id === undefined) throw new UsageError("--client-secret and --redirect-uri need --client-id");
  if (secret === undefined) throw new UsageError("--client-id needs --client-secret");
  if (!redirectUris || redirectUris.length === 0) {
    throw new UsageError("--client-id needs at least one --redirect-uri");
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new UsageError(`--redirect-uri: ${problem}`);
  }
  return { client_id: id, client_secret: secret, redirect_uris: redirectUris };
}

function integer(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}`);
  }
  return Number(raw);
}
