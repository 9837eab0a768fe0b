/**
 * A TF.js IOHandler over a model the user imported (src/ext/model-store.ts keeps it in
 * IndexedDB; the entry file injects the reader, so this stays free of extension APIs). Loads the
 * topology and the shards, concatenated in manifest order, as tf.loadLayersModel expects.
 */
import type { io } from '@tensorflow/tfjs-core';
import type { StoredModelFiles } from '../shared/stored-model';
import { joinBuffers } from '../shared/weight-bytes';

type Artifacts = io.ModelArtifacts;
type Manifest = io.WeightsManifestConfig;

export function storedModelHandler(files: StoredModelFiles, onProgress?: (fraction: number) => void): io.IOHandler {
  return {
    load: () => {
      const mj = files.modelJson as { modelTopology?: unknown; weightsManifest?: Manifest; format?: string; generatedBy?: string; convertedBy?: string };
      const manifest = mj.weightsManifest ?? [];
      const byName = new Map(files.shards.map((s) => [s.name, s.data]));
      const parts: ArrayBuffer[] = [];
      for (const g of manifest)
        for (const p of g.paths) {
          const d = byName.get(p);
          if (!d) return Promise.reject(new Error(`weight file ${p} is missing from the stored model`));
          parts.push(d);
        }
      onProgress?.(1);
      const artifacts: Artifacts = {
        modelTopology: mj.modelTopology as Artifacts['modelTopology'],
        format: mj.format,
        generatedBy: mj.generatedBy,
        convertedBy: mj.convertedBy ?? null,
        weightSpecs: manifest.flatMap((g) => g.weights),
        weightData: joinBuffers(parts),
      };
      return Promise.resolve(artifacts);
    },
  };
}
