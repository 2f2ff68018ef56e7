import { parseArgs } from "node:util";
import { isSoundgateError, type Page } from "soundgate";
import { type Field, parseField, toJsonBody, toQuery } from "./api-fields.js";
import { type Command, EXIT, type ExitCode, UsageError } from "./command.js";
import { openSavedLogin, type SavedLoginClient } from "./saved-login-client.js";

const METHODS = new Set(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]);

const HELP = `Usage: soundgate api [METHOD] <path> [-f key=value ...] [-F key=value ...] [--paginate [--jsonl]]

Calls the SoundCloud API as the logged-in user and prints the JSON answer, like
\`gh api\`. The token, its refresh and retries are handled for you.

  METHOD              GET (default), POST, PUT, DELETE, PATCH or HEAD
  <path>              /me, tracks/soundcloud:tracks:123, or a next_href on the API's host
  -f, --field k=v     a string field: a query parameter for GET/DELETE, a JSON body
                      field otherwise; brackets nest: -f 'comment[body]=Nice'
  -F, --typed-field k=v  like -f, but true, false, null and numbers keep their type
  --paginate          GET a list page after page (linked_partitioning, next_href) and
                      print all items as one JSON array; -f limit=N sets the page size
  --jsonl             with --paginate: one item per line instead of an array

An error answer is printed too, and the exit code says what kind it was (see
soundgate --help).
`;

export const apiCommand: Command = {
  help: () => HELP,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        field: { type: "string", short: "f", multiple: true },
        "typed-field": { type: "string", short: "F", multiple: true },
        paginate: { type: "boolean" },
        jsonl: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    if (positionals.length === 0 || positionals.length > 2) {
      throw new UsageError("expected: soundgate api [METHOD] <path>");
    }
    const method = positionals.length === 2 ? (positionals[0] as string).toUpperCase() : "GET";
    const path = positionals[positionals.length - 1] as string;
    if (!METHODS.has(method)) throw new UsageError(`"${positionals[0]}" is not an HTTP method`);
    const fields: Field[] = [
      ...(values.field ?? []).map((raw) => parseField(raw, false)),
      ...(values["typed-field"] ?? []).map((raw) => parseField(raw, true)),
    ];
    if (values.jsonl && !values.paginate) throw new UsageError("--jsonl goes with --paginate");
    if (values.paginate && method !== "GET") throw new UsageError("--paginate needs GET");

    const { sc } = await openSavedLogin();
    if (values.paginate) return paginate(sc, path, fields, values.jsonl === true);

    const inQuery = method === "GET" || method === "DELETE" || method === "HEAD";
    const response = await sc.api.send(method, path, {
      ...(inQuery ? { query: toQuery(fields) } : {}),
      ...(!inQuery && fields.length > 0 ? { body: toJsonBody(fields) } : {}),
    });
    return show(response);
  },
};

async function paginate(
  sc: SavedLoginClient["sc"],
  path: string,
  fields: Field[],
  jsonl: boolean,
): Promise<number> {
  const query = toQuery(fields);
  const { limit: rawLimit, ...rest } = query;
  const limit = rawLimit === undefined ? undefined : Number(rawLimit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 200)) {
    throw new UsageError("limit is a page size from 1 to 200");
  }
  const pages = sc.paginate<unknown>(path, { query: rest, ...(limit ? { limit } : {}) }).pages();
  let page: IteratorResult<Page<unknown>>;
  try {
    page = await pages.next();
  } catch (error) {
    // Not a list (`api /me --paginate`): there is nothing to page through, so the
    // answer is shown as it is, as without --paginate.
    if (!isSoundgateError(error, "invalid_response")) throw error;
    return show(await sc.api.send("GET", path, { query }));
  }
  // Items are written as they arrive, so a long list starts flowing at once.
  let first = true;
  if (!jsonl) process.stdout.write("[");
  for (; !page.done; page = await pages.next()) {
    for (const item of page.value.collection) {
      if (jsonl) {
        process.stdout.write(`${JSON.stringify(item)}\n`);
        continue;
      }
      const text = JSON.stringify(item, null, 2).replace(/\n/g, "\n  ");
      process.stdout.write(`${first ? "\n  " : ",\n  "}${text}`);
      first = false;
    }
  }
  if (!jsonl) process.stdout.write(first ? "]\n" : "\n]\n");
  return EXIT.ok;
}

/** SoundCloud's answer on stdout, and an exit code that says what kind it was. */
function show(response: { status: number; text: string }): number {
  printBody(response.text);
  if (response.status < 400) return EXIT.ok;
  process.stderr.write(`soundgate: SoundCloud answered HTTP ${response.status}\n`);
  return exitForStatus(response.status);
}

function printBody(text: string): void {
  if (text === "") return;
  try {
    process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  } catch {
    process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}

function exitForStatus(status: number): ExitCode {
  if (status === 401) return EXIT.auth;
  if (status === 429) return EXIT.rateLimited;
  if (status >= 500) return EXIT.unreachable;
  return EXIT.api;
}
