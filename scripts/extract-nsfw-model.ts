/**
 * Extracts the default image model from the npm package `nsfwjs` into model_web/nsfw-mobilenet-v2/.
 *
 * nsfwjs ships its TF.js layers model as UMD modules (model.min.js exports {modelTopology,
 * weightsManifest}; group1-shard1of1.min.js exports the shard as a base64 string). We decode them
 * back into the standard files (model.json + group1-shard1of1.bin) and write our metadata.json.
 * Usage: npm run model:extract   (idempotent; prints what it wrote)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { METADATA_FILE, parseMetadata, type ModelMetadata } from '../src/shared/metadata';

const ROOT = path.resolve(__dirname, '..');
const NAME = 'nsfw-mobilenet-v2';
const OUT = path.join(ROOT, 'model_web', NAME);

function packageDir(pkg: string): string {
  // nsfwjs's "exports" map hides every subpath (even package.json), so resolve the main entry
  // and walk up to the folder whose package.json names the package.
  let dir = path.dirname(require.resolve(pkg, { paths: [ROOT] }));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && (JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === pkg) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the ${pkg} package folder`);
    dir = up;
  }
}

interface WeightsGroup {
  paths: string[];
  weights: unknown[];
}
interface ModelJsonModule {
  modelTopology: { keras_version?: string; backend?: string; model_config?: unknown };
  weightsManifest: WeightsGroup[];
  format?: string;
}

function main(): void {
  const nsfwDir = packageDir('nsfwjs');
  const nsfwVersion = (JSON.parse(fs.readFileSync(path.join(nsfwDir, 'package.json'), 'utf8')) as { version: string }).version;
  const src = path.join(nsfwDir, 'dist', 'models', 'mobilenet_v2');
  const modelModule = path.join(src, 'model.min.js');
  if (!fs.existsSync(modelModule)) throw new Error(`${modelModule} not found: is nsfwjs installed (npm ci)?`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package ships UMD modules, not JSON
  const mj = require(modelModule) as ModelJsonModule;
  if (!mj.modelTopology || !Array.isArray(mj.weightsManifest)) throw new Error(`${modelModule}: not a TF.js layers model module`);

  const tmp = `${OUT}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const weightsManifest = mj.weightsManifest.map((group) => ({
    ...group,
    paths: group.paths.map((p) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- UMD module exporting a base64 string
      const b64 = require(path.join(src, `${p}.min.js`)) as unknown;
      if (typeof b64 !== 'string') throw new Error(`${p}.min.js: expected a base64 string export`);
      const file = p.endsWith('.bin') ? p : `${p}.bin`;
      fs.writeFileSync(path.join(tmp, file), Buffer.from(b64, 'base64'));
      return file;
    }),
  }));
  const modelJson = {
    format: 'layers-model',
    generatedBy: mj.modelTopology.keras_version ? `keras v${mj.modelTopology.keras_version}` : 'keras',
    convertedBy: `nsfwjs@${nsfwVersion} (extracted by TensorLens scripts/extract-nsfw-model.ts)`,
    modelTopology: mj.modelTopology,
    weightsManifest,
  };
  fs.writeFileSync(path.join(tmp, 'model.json'), JSON.stringify(modelJson));

  const metadata: ModelMetadata = {
    schemaVersion: 1,
    name: NAME,
    displayName: 'Content classifier (MobileNetV2, nsfwjs)',
    description: 'Classifies images as Drawing, Hentai, Neutral, Porn or Sexy. Keras 2.2.4 MobileNetV2 from the nsfwjs package.',
    task: 'image',
    labels: ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'],
    output: 'softmax',
    modelFile: 'model.json',
    // What nsfwjs's own classify() does (node_modules/nsfwjs/dist/cjs/core.js, NSFWJS.infer):
    // toFloat().div(255), then tf.image.resizeBilinear(…, [224, 224], alignCorners = true) of the
    // whole image (no crop, no padding).
    image: {
      inputSize: [224, 224],
      channels: 3,
      scale: 1 / 255,
      offset: 0,
      resizeMethod: 'bilinear-align-corners',
      fit: 'stretch',
      background: [255, 255, 255],
      assumed: [
        'background white: nsfwjs itself ignores transparency (its canvas read makes transparent pixels black, so every dark drawing on transparency looked the same); white is how pages show them',
      ],
    },
    source: {
      package: `nsfwjs@${nsfwVersion}`,
      path: 'dist/models/mobilenet_v2',
      license: 'MIT',
      extractedBy: 'scripts/extract-nsfw-model.ts',
    },
  };
  parseMetadata(metadata, `${NAME}/${METADATA_FILE}`);
  fs.writeFileSync(path.join(tmp, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);

  fs.rmSync(OUT, { recursive: true, force: true });
  fs.renameSync(tmp, OUT);
  for (const f of fs.readdirSync(OUT).sort()) {
    const buf = fs.readFileSync(path.join(OUT, f));
    console.log(`${path.relative(ROOT, path.join(OUT, f))}  ${buf.length} B  sha256 ${createHash('sha256').update(buf).digest('hex').slice(0, 16)}`);
  }
}

main();
