/**
 * Writes / reads a tfjs-layers model as the standard TF.js "layers-model" files
 * (model.json + one weight shard) in a folder, from Node, without tfjs-node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_SHARD = 'group1-shard1of1.bin';

/** Saves `model` as <dir>/model.json + <dir>/group1-shard1of1.bin; returns the weight byte count. */
export async function saveLayersModel(model: tfl.LayersModel, dir: string, convertedBy: string): Promise<number> {
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (!artifacts.weightSpecs || !artifacts.weightData) throw new Error('model has no weights to save');
      const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      bytes = data.byteLength;
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_SHARD], weights: artifacts.weightSpecs }],
      };
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, MODEL_JSON), `${JSON.stringify(modelJson)}\n`);
      fs.writeFileSync(path.join(dir, WEIGHTS_SHARD), data);
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON', weightDataBytes: bytes } };
    }),
  );
  return bytes;
}

/** Loads <dir>/model.json and the shards it lists. */
export async function loadLayersModel(dir: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, MODEL_JSON), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = json.weightsManifest.flatMap((g) =>
    g.paths.map((p) => {
      const b = fs.readFileSync(path.join(dir, p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: tf.io.CompositeArrayBuffer.join(buffers) }));
}
