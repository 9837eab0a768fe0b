/**
 * Every layer class TensorLens adds to tfjs-layers: its own translations of Keras layers TF.js
 * lacks (GRU reset_after=True, attention, tf ops, resizing, …) and the developer's own classes
 * in ./custom (see docs/converter.md, "Custom layers"). The converter writes models that use
 * them; the extension and the converter's validation register them before loading any model.
 */
import * as tfc from '@tensorflow/tfjs-core';
import { ATTENTION_LAYER_CLASSES } from './attention';
import { CUSTOM_LAYER_CLASSES } from './custom';
import { GRU_LAYER_CLASSES } from './gru-reset-after';
import { TF_OP_LAYER_CLASSES } from './tf-op';
import { CONV_TRANSPOSE_LAYER_CLASSES } from './conv-transpose';
import { RESIZING_LAYER_CLASSES } from './resizing';
import { BATCH_NORM_LAYER_CLASSES } from './batch-norm';
import { FUSED_CONV_LAYER_CLASSES } from './fused-conv';

type LayerClass = tfc.serialization.SerializableConstructor<tfc.serialization.Serializable> & { className: string };

const PROJECT_CLASSES: LayerClass[] = [
  ...GRU_LAYER_CLASSES, ...ATTENTION_LAYER_CLASSES, ...TF_OP_LAYER_CLASSES, ...CONV_TRANSPOSE_LAYER_CLASSES, ...RESIZING_LAYER_CLASSES,
  // replaces tfjs's own BatchNormalization (same class name, any input rank)
  ...BATCH_NORM_LAYER_CLASSES,
  // conv + folded BatchNormalization + ReLU, made at load time by ../fold.ts (never in a file)
  ...FUSED_CONV_LAYER_CLASSES,
] as unknown as LayerClass[];

/** class names of the developer's ./custom layers: the converter accepts Keras layers of these names */
export function customLayerNames(): string[] {
  return (CUSTOM_LAYER_CLASSES as unknown as LayerClass[]).map((c) => c.className);
}

const registered = new Set<LayerClass>();

/**
 * Registers TensorLens's and the developer's layer classes with tfjs. Idempotent; a class added
 * to CUSTOM_LAYER_CLASSES later is registered by the next call. Call before loading models.
 */
export function registerTensorLensLayers(): void {
  for (const c of [...PROJECT_CLASSES, ...(CUSTOM_LAYER_CLASSES as unknown as LayerClass[])]) {
    if (registered.has(c)) continue;
    registered.add(c);
    tfc.serialization.registerClass(c);
  }
}
