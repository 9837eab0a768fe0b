/**
 * User-facing conversion failures. The CLI prints `message` as one line (no stack) and exits
 * with status 1; anything that is not a ConvertError is a bug and is printed with its stack.
 */
export type ConvertErrorCode =
  | 'usage'
  | 'not-keras'
  | 'corrupt'
  | 'unsupported'
  | 'unsupported-layer'
  | 'missing-weights'
  | 'bad-weights'
  | 'zip-unsafe'
  | 'validation-failed'
  | 'io';

export class ConvertError extends Error {
  override name = 'ConvertError';
  constructor(
    readonly code: ConvertErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function fail(code: ConvertErrorCode, message: string): never {
  throw new ConvertError(code, message);
}

/**
 * A JSON config value (parsed from an untrusted file) as text for messages and names: strings as
 * they are, anything else as JSON cut to `max` characters, so a malformed config never prints
 * "[object Object]". Numbers, booleans, null and undefined read as String() would render them.
 */
export function jsonText(v: unknown, max = 60): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return 'undefined';
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined; // bigint or a cycle: not possible from JSON.parse
  }
  if (s === undefined) return `<${typeof v}>`;
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
