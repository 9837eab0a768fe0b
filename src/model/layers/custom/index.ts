/**
 * Your own TF.js layer classes, for Keras models that use custom Python layers (a subclass of
 * keras.layers.Layer such as the tutorial TransformerBlock or TokenAndPositionEmbedding).
 *
 * Write a tfjs-layers class whose static `className` is the Keras class name exactly as it
 * appears in the model's config (`"class_name": "TransformerBlock"`), whose constructor takes
 * that layer's Keras config (tfjs hands it over camelCased: `embed_dim` → `embedDim`), whose
 * build() adds the weights in the order Keras saves them, and whose call() computes what the
 * Python call() does. Put it in a file in this folder and add it to the list below. Then:
 * - `npx tensorlens convert` accepts models with that class (no --allow-custom needed), builds
 *   and validates them with your class, and pairs the file's weights with your class's weights
 *   by position;
 * - `npm run build` ships the class, and the extension registers it before loading any model.
 * See docs/converter.md, "Custom layers", for a worked example.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

type CustomLayerClass = (new (args: never) => tfl.layers.Layer) & { className: string };

export const CUSTOM_LAYER_CLASSES: CustomLayerClass[] = [];
