import { openAsBlob } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { parseArgs } from "node:util";
import type { License, Sharing, UploadInput } from "soundgate";
import { type Command, EXIT, UsageError } from "./command.js";
import { ProgressBar } from "./progress-bar.js";
import { openSavedLogin } from "./saved-login-client.js";

const AUDIO_TYPES: Record<string, string> = {
  ".aac": "audio/aac",
  ".aif": "audio/aiff",
  ".aiff": "audio/aiff",
  ".flac": "audio/flac",
  ".m4a": "audio/mp4",
  ".mp2": "audio/mpeg",
  ".mp3": "audio/mpeg",
  ".mp4": "audio/mp4",
  ".oga": "audio/ogg",
  ".ogg": "audio/ogg",
  ".opus": "audio/opus",
  ".wav": "audio/wav",
  ".wma": "audio/x-ms-wma",
};
const IMAGE_TYPES: Record<string, string> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
};
const SHARING: readonly Sharing[] = ["public", "private"];
// SoundCloud's list (the core's License type); checked here so a typo is named before
// a large file is sent, rather than coming back as a bare HTTP 422.
const LICENSES: readonly License[] = [
  "all-rights-reserved",
  "no-rights-reserved",
  "cc-by",
  "cc-by-nc",
  "cc-by-nd",
  "cc-by-sa",
  "cc-by-nc-nd",
  "cc-by-nc-sa",
];

const HELP = `Usage: soundgate upload <file> --title TITLE [options]

Uploads a track as the logged-in user. The file is streamed, not read into memory;
a progress bar is drawn when stderr is a terminal. Prints the new track's URN and
link (the whole Track with --json).

Options:
  --title TITLE          the track's title (required)
  --description TEXT
  --genre GENRE
  --tags TAGS            space-separated; quote multi-word tags: 'drone "field recording"'
  --sharing public|private   (default public)
  --license LICENSE      ${LICENSES.join(", ")}
  --release-date DATE    yyyy-mm-dd
  --downloadable / --no-downloadable
  --artwork FILE         cover art (JPEG, PNG or GIF)
  --json                 print the created Track as JSON
`;

export const uploadCommand: Command = {
  help: () => HELP,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        title: { type: "string" },
        description: { type: "string" },
        genre: { type: "string" },
        tags: { type: "string" },
        sharing: { type: "string" },
        license: { type: "string" },
        "release-date": { type: "string" },
        downloadable: { type: "boolean" },
        "no-downloadable": { type: "boolean" },
        artwork: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    const [path, ...extra] = positionals;
    if (path === undefined || extra.length > 0) {
      throw new UsageError("expected: soundgate upload <file> --title TITLE");
    }
    if (!values.title?.trim()) throw new UsageError("--title is required");
    if (values.sharing !== undefined && !SHARING.includes(values.sharing as Sharing)) {
      throw new UsageError("--sharing is public or private");
    }
    if (values.downloadable && values["no-downloadable"]) {
      throw new UsageError("--downloadable and --no-downloadable contradict each other");
    }
    if (values.license !== undefined && !LICENSES.includes(values.license as License)) {
      throw new UsageError(`--license: "${values.license}" is not one of ${LICENSES.join(", ")}`);
    }
    const release = values["release-date"];
    if (release !== undefined && !isCalendarDate(release)) {
      throw new UsageError(`--release-date: "${release}" is not a date (yyyy-mm-dd)`);
    }
    const file = await openFile(path, AUDIO_TYPES);
    const artwork =
      values.artwork === undefined ? undefined : await openFile(values.artwork, IMAGE_TYPES);

    const { sc } = await openSavedLogin();
    const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : undefined;
    const input: UploadInput = {
      file: file.blob,
      filename: file.name,
      title: values.title,
      description: values.description,
      genre: values.genre,
      tag_list: values.tags,
      sharing: values.sharing as Sharing | undefined,
      license: values.license as License | undefined,
      release_date: release,
      downloadable: values.downloadable ? true : values["no-downloadable"] ? false : undefined,
      artwork: artwork?.blob,
      onProgress: bar ? ({ loaded, total }) => bar.update(loaded, total) : undefined,
    };
    try {
      const track = await sc.tracks.upload(input);
      bar?.finish();
      if (values.json) process.stdout.write(`${JSON.stringify(track, null, 2)}\n`);
      else process.stdout.write(`${track.urn}\t${track.permalink_url ?? ""}\n`);
      return EXIT.ok;
    } finally {
      bar?.finish();
    }
  },
};

/** A file on disk as a Blob that reads from disk as it is sent (never whole in memory). */
async function openFile(path: string, types: Record<string, string>) {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`no such file: ${path}`);
  }
  if (!info.isFile()) throw new UsageError(`not a file: ${path}`);
  const type = types[extname(path).toLowerCase()] ?? "application/octet-stream";
  return { blob: await openAsBlob(path, { type }), name: basename(path) };
}

/** yyyy-mm-dd naming a day that exists (2024-02-29 yes, 2024-13-45 no). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}
