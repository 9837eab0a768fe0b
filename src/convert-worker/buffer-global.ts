/**
 * The converter library is written against Node's Buffer (bounds-checked little-endian reads);
 * in this worker the `buffer` package provides the same class. Imported first by main.ts, so the
 * global exists before any converter module runs.
 */
import { Buffer } from 'buffer';

(globalThis as { Buffer?: unknown }).Buffer ??= Buffer;
