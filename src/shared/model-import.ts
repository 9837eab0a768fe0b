/**
 * The contract between the options page's models section and its conversion worker
 * (src/convert-worker/main.ts). Payloads are structured-clone data; weight buffers are transferred.
 */
import type { ModelMetadata, ModelTask, OutputKind } from './metadata';

export type QuantChoice = 'float32' | 'float16' | 'uint8';
export const QUANT_CHOICES: readonly QuantChoice[] = ['float32', 'float16', 'uint8'];

export interface ImportFile {
  name: string;
  bytes: ArrayBuffer;
}

/** Image input presets the form offers: pixel (0..255) * scale + offset. */
export const IMAGE_PRESETS = {
  'zero-one': { scale: 1 / 255, offset: 0 },
  'minus-one-one': { scale: 1 / 127.5, offset: -1 },
  raw: { scale: 1, offset: 0 },
} as const;
export type ImagePreset = keyof typeof IMAGE_PRESETS;

/** What the form decides, turned into metadata by the worker (labels checked against the model). */
export interface ImportMetaOptions {
  task: ModelTask;
  name: string;
  displayName: string;
  labels: string[];
  output?: OutputKind;
  image?: { preset: ImagePreset; resize: 'stretch' | 'letterbox' };
  text?: { vocabText: string; vocabName: string; padding: 'pre' | 'post'; truncating: 'pre' | 'post'; sequenceLength?: number };
  sourceName: string;
  /** a TF.js zip's own metadata.json is kept (only name and display name change) */
  keepBundled?: boolean;
}

export type WorkerRequest =
  | { type: 'convert'; id: number; files: ImportFile[]; architecture?: ImportFile; quantize: QuantChoice; limits: { fileBytes: number; modelBytes: number } }
  | { type: 'finalize'; id: number; meta: ImportMetaOptions };

export interface ImportReport {
  /** what was read: 'h5-full', 'h5-weights', 'keras-v3' or 'tfjs' */
  format: string;
  kerasVersion: string;
  className: string;
  layers: number;
  params: number;
  bytesBefore: number;
  bytesAfter: number;
  shardCount: number;
  quantize: QuantChoice;
  /** largest |quantized - float32| output difference on a random input; 0 for float32 */
  maxDeviation: number | null;
  validated: boolean;
  inputShape: (number | null)[];
  outputShapes: number[][];
  warnings: string[];
  timingsMs: Record<string, number>;
  /** what the form starts from */
  suggested: { task: ModelTask; preset: ImagePreset; presetReason: string; outputUnits: number };
  /** a TF.js zip that carried its own metadata.json */
  bundledMetadata: ModelMetadata | null;
}

export interface ConvertedModel {
  modelJson: unknown;
  shards: { name: string; data: ArrayBuffer }[];
  metadata: ModelMetadata;
  vocab: Record<string, number> | null;
}

export type WorkerReply =
  | { type: 'progress'; id: number; stage: string; fraction: number }
  | { type: 'converted'; id: number; report: ImportReport }
  | { type: 'finalized'; id: number; model: ConvertedModel }
  | { type: 'error'; id: number; code: string; message: string };
