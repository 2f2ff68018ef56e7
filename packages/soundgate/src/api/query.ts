/** A query parameter's value; `undefined` and `null` leave the parameter out. */
export type QueryValue = string | number | boolean | undefined | null;

/** A query from options: undefined values are left out, lists are comma-joined. */
export function query(
  values: Record<string, QueryValue | readonly string[] | undefined>,
): Record<string, QueryValue> {
  const out: Record<string, QueryValue> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    out[key] = Array.isArray(value) ? value.join(",") : (value as QueryValue);
  }
  return out;
}

/** A `{from, to}` range as the spec's deepObject style: `bpm[from]=…&bpm[to]=…`. */
export function range(
  name: string,
  value: { from?: number | string; to?: number | string } | undefined,
): Record<string, QueryValue> {
  if (!value) return {};
  return { [`${name}[from]`]: value.from, [`${name}[to]`]: value.to };
}
