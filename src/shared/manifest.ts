/**
 * Manifest = base + per-browser overlay. Objects merge key by key; arrays of strings (permissions)
 * are unioned in order; other arrays and scalars in the overlay replace the base; `null` in the
 * overlay deletes the key. Pure, used by the build.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObj = (v: unknown): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function mergeManifest(base: Json, overlay: Json): Json {
  if (isStrings(base) && isStrings(overlay)) return [...new Set([...base, ...overlay])];
  if (!isObj(base) || !isObj(overlay)) return overlay;
  const out: { [k: string]: Json } = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    if (v === null) delete out[k];
    else out[k] = k in base ? mergeManifest(base[k] as Json, v) : v;
  }
  return out;
}
