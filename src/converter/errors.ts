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
