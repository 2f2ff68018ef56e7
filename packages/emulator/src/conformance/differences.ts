/**
 * Where SoundCloud's published spec and SoundCloud's real answers disagree, the
 * emulator keeps SoundCloud's behaviour. Each difference is named, says what the
 * real API does, and patches the converted schemas so exactly that is allowed.
 * The emulator README lists the same differences; the conformance test fails on
 * any other mismatch, and on a difference that no answer needs any more.
 */

type Json = Record<string, unknown>;

export interface SpecDifference {
  name: string;
  /** What the spec says and what SoundCloud sends instead. */
  description: string;
  apply(definitions: Json): void;
}

/** Fields the spec types as non-nullable that SoundCloud sends as `null` when unset. */
export const NULL_WHEN_UNSET: Readonly<Record<string, readonly string[]>> = {
  User: ["description", "discogs_name", "website", "website_title"],
  Me: ["description", "discogs_name", "website", "website_title"],
  Track: [
    "artwork_url",
    "available_country_codes",
    "bpm",
    "description",
    "isrc",
    "key_signature",
    "label_name",
    "metadata_artist",
    "purchase_title",
    "purchase_url",
    "release",
    "release_day",
    "release_month",
    "release_year",
    "secret_uri",
  ],
  Playlist: [
    "artwork_url",
    "description",
    "ean",
    "label_id",
    "label_name",
    "purchase_title",
    "purchase_url",
    "release",
    "release_day",
    "release_month",
    "release_year",
  ],
  "WebProfiles[]": ["username"],
};

export const SPEC_DIFFERENCES: readonly SpecDifference[] = [
  {
    name: "null-when-unset",
    description:
      "Fields typed as non-nullable strings or integers (User.description, Track.bpm, Playlist.ean, …) are sent as null when they have no value, as the spec's own examples show.",
    apply(definitions) {
      for (const [name, fields] of Object.entries(NULL_WHEN_UNSET)) {
        const schema = name.endsWith("[]")
          ? (definition(definitions, name.slice(0, -2)).items as Json)
          : definition(definitions, name);
        for (const field of fields) allowNull(property(schema, field, name));
      }
    },
  },
  {
    name: "soundcloud-date-format",
    description:
      "User.created_at and User.last_modified are declared `format: date-time` (RFC 3339); SoundCloud sends every timestamp as `2013/04/30 15:21:55 +0000`.",
    apply(definitions) {
      const user = definition(definitions, "User");
      for (const field of ["created_at", "last_modified"]) {
        property(user, field, "User").format = "soundcloud-date";
      }
    },
  },
  {
    name: "subscriptions-shape",
    description:
      "User.subscriptions and Me.subscriptions declare items that are both an array and an object (no value can match); SoundCloud sends an array of `{product: {id, name}, recurring}` objects.",
    apply(definitions) {
      for (const name of ["User", "Me"]) {
        const subscriptions = property(definition(definitions, name), "subscriptions", name);
        const items = subscriptions.items as Json;
        const [object] = items.anyOf as Json[];
        subscriptions.type = "array";
        subscriptions.items = object;
      }
    },
  },
  {
    name: "comment-timestamp-number",
    description:
      "Comment.timestamp (the position in the track, in ms) is declared a string; SoundCloud sends a number, as the spec's own Comment example does.",
    apply(definitions) {
      property(definition(definitions, "Comment"), "timestamp", "Comment").type = "number";
    },
  },
];

function definition(definitions: Json, name: string): Json {
  const schema = definitions[name];
  if (typeof schema !== "object" || schema === null) {
    throw new Error(`spec difference: the spec has no ${name} schema any more`);
  }
  return schema as Json;
}

function property(schema: Json, field: string, owner: string): Json {
  const properties = schema.properties as Json | undefined;
  const value = properties?.[field];
  if (typeof value !== "object" || value === null) {
    throw new Error(`spec difference: ${owner} has no ${field} property any more`);
  }
  return value as Json;
}

function allowNull(schema: Json): void {
  if (typeof schema.type === "string") schema.type = [schema.type, "null"];
  else if (Array.isArray(schema.type) && !schema.type.includes("null")) schema.type.push("null");
}
