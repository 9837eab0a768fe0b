/**
 * Error codes shared by every context. Errors cross context boundaries as data
 * ({ok:false, code, message}) and are rethrown as AppError on the receiving side; the popup turns
 * each code into one sentence (src/ui/error-text.ts, worded in _locales), so users never see stacks.
 */
export const ERROR_CODES = [
  'model-missing',
  'model-load-failed',
  'model-format-unsupported',
  'text-model-missing',
  'image-unreadable',
  'image-truncated',
  'image-corrupt',
  'page-image-not-shown',
  'image-too-large',
  'image-fetch-failed',
  'image-tainted',
  'no-image',
  'page-not-allowed',
  'site-access-needed',
  'empty-selection',
  'no-known-words',
  'backend-failed',
  'timeout',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const isErrorCode = (v: unknown): v is ErrorCode => typeof v === 'string' && (ERROR_CODES as readonly string[]).includes(v);

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

/** Any thrown value → the error half of a Result (unknown errors become 'internal'). */
export function toFailure(e: unknown): { ok: false; code: ErrorCode; message: string } {
  if (e instanceof AppError) return { ok: false, code: e.code, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  return { ok: false, code: 'internal', message };
}

/** Unwraps a Result received from another context; rethrows failures as AppError. */
export function unwrap<T>(r: unknown): T {
  if (typeof r !== 'object' || r === null || !('ok' in r)) throw new AppError('internal', 'malformed reply from another part of the extension');
  const res = r as Result<T>;
  if (res.ok) return res.value;
  throw new AppError(isErrorCode(res.code) ? res.code : 'internal', String(res.message));
}

/** Rejects with AppError('timeout') when `p` does not settle within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('timeout', `${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
