/**
 * Sorting dropped files into what an import needs (model file, TF.js shards, architecture JSON,
 * labels, tokenizer) by their content, and reading labels files. Pure functions over names and
 * bytes, unit-tested in Node.
 */
export interface DroppedFile {
  name: string;
  bytes: ArrayBuffer;
}

export interface SortedFiles {
  /** Keras file, TF.js model.json / zip, with TF.js shards and metadata after it */
  model: DroppedFile[];
  architecture?: DroppedFile;
  labels?: { name: string; labels: string[] };
  vocab?: { name: string; text: string; words: number };
}

const decoder = new TextDecoder();

function jsonOf(bytes: ArrayBuffer): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Labels from a .txt (one per line; Teachable Machine's "0 Cats" numbering is dropped when every
 * line is numbered 0, 1, 2… in order) or JSON (an array, or {"0": "cat", …}).
 */
export function parseLabelsText(text: string): string[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const numbered = lines.map((l) => /^(\d+)\s+(.+)$/.exec(l));
  if (lines.length > 0 && numbered.every((m, i) => m && Number(m[1]) === i)) return numbered.map((m) => (m as RegExpExecArray)[2] as string);
  return lines;
}

export function labelsFromJson(j: unknown): string[] | null {
  if (Array.isArray(j) && j.length > 0 && j.every((x) => typeof x === 'string')) return j;
  if (isObj(j)) {
    const keys = Object.keys(j);
    if (keys.length > 0 && keys.every((k, i) => k === String(i)) && Object.values(j).every((v) => typeof v === 'string')) return Object.values(j) as string[];
  }
  return null;
}

/** Word count of a tokenizer / word-index JSON, or null when it is not one. */
export function vocabWords(j: unknown): number | null {
  if (isObj(j) && j.class_name === 'Tokenizer' && isObj(j.config)) {
    const wi = typeof j.config.word_index === 'string' ? jsonOf(new TextEncoder().encode(j.config.word_index).buffer) : j.config.word_index;
    return isObj(wi) ? Object.keys(wi).length : null;
  }
  if (isObj(j)) {
    const vals = Object.values(j);
    if (vals.length > 0 && vals.every((v) => Number.isInteger(v))) return vals.length;
  }
  return null;
}

export function sortFiles(files: DroppedFile[]): SortedFiles {
  const out: SortedFiles = { model: [] };
  const shards: DroppedFile[] = [];
  for (const f of files) {
    const lower = f.name.toLowerCase();
    if (lower.endsWith('.txt')) {
      out.labels = { name: f.name, labels: parseLabelsText(decoder.decode(f.bytes)) };
      continue;
    }
    if (lower.endsWith('.json')) {
      const j = jsonOf(f.bytes);
      if (isObj(j) && isObj(j.modelTopology) && Array.isArray(j.weightsManifest)) out.model.unshift(f);
      else if (isObj(j) && j.schemaVersion !== undefined && lower.endsWith('metadata.json')) shards.push(f);
      else if (vocabWords(j) !== null) out.vocab = { name: f.name, text: decoder.decode(f.bytes), words: vocabWords(j) as number };
      else if (labelsFromJson(j)) out.labels = { name: f.name, labels: labelsFromJson(j) as string[] };
      else if (isObj(j) && typeof j.class_name === 'string' && j.config !== undefined) out.architecture = f;
      else out.model.push(f); // let the converter say what is wrong with it
      continue;
    }
    if (lower.endsWith('.bin') || /group\d+-shard\d+of\d+$/.test(lower)) shards.push(f);
    else out.model.push(f);
  }
  out.model.push(...shards);
  return out;
}

/** kebab-case model name (metadata "name") from a display name, with a short unique suffix */
export function modelSlug(displayName: string, suffix: string): string {
  const base = displayName.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return `${base || 'model'}-${suffix}`;
}
