/**
 * `tensorlens convert` — thin shell over convert.ts: parse arguments, read files, print a
 * summary, set the exit code. User errors print one line (no stack); bugs print a stack.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONVERTED_BY, convertKeras, writeArtifacts, type ConvertOptions } from './convert';
import { ConvertError } from './errors';
import type { MetadataOptions } from './metadata';
import { IMAGE_FITS, RESIZE_METHODS } from '../shared/metadata';
import type { QuantDtype, QuantizeSpec } from './weights';

const HELP = `Usage: tensorlens convert <input> [outdir] [options]

Convert a Keras model (.h5/.hdf5 from Keras 1/2/tf.keras/Keras 3, or a Keras 3 .keras
archive) into a TensorFlow.js layers model (model.json + weight shards). Needs no Python
and no network. The format is detected from the file's bytes, not its extension.

  <input>    Keras model file (or a weights-only .h5 together with --architecture)
  [outdir]   output folder (default: model_web/<name> when --name is given)

Model options:
  --architecture FILE        architecture for a weights-only .h5: Keras model.to_json()
                             output, a model.json, or a full-model .h5
  --weight-shard-size-bytes N  shard size (default 4194304, as tensorflowjs_converter)
  --quantize-float16[=PATTERNS]  store float32 weights as float16
  --quantize-uint8[=PATTERNS]    affine-quantize weights to 8 bits
  --quantize-uint16[=PATTERNS]   affine-quantize weights to 16 bits
                             PATTERNS: comma-separated weight-name globs ("*" spans "/"),
                             e.g. --quantize-uint8='dense*/kernel'. Without PATTERNS the
                             flag applies to every weight not matched by another flag.
  --allow-custom             write layers TF.js lacks (Lambda, custom classes) for apps that
                             register JS classes of the same name; skips validation
  --no-validate              do not load the result in TF.js and predict once

Extension metadata (writes metadata.json, and vocab.json for text):
  --task image|text          what the model classifies
  --labels FILE              class labels, one per line, in output order
  --name NAME                folder name under model_web/ (kebab-case)
  --display-name TEXT        name shown in the extension (default: NAME)
  --description TEXT
  --output softmax|sigmoid|logits   how outputs become probabilities (default: inferred
                             from the last activation)
  image: --preset NAME       every preprocessing field at once: teachable-machine,
                             mobilenet, mobilenet_v2, inception_v3, xception ([-1, 1]);
                             resnet50, vgg16, vgg19 (caffe: BGR, ImageNet mean);
                             densenet (torch: [0, 1], ImageNet mean/std); efficientnet,
                             convnext, mobilenet_v3, raw (0..255, scaled inside the model)
         --input-size HxW  --scale S  --offset O  (x = pixel * S + O; default 1/255, 0;
                             1, 0 when the model starts with Rescaling/Normalization)
         --mean a,b,c  --std a,b,c  --color-order rgb|bgr
         --fit stretch|center-crop|letterbox  --resize-method bilinear|
                             bilinear-align-corners|nearest|area  --background r,g,b
  text:  --vocab FILE (word-index JSON {"word": n} or Keras Tokenizer.to_json(); for a
                             model starting with TextVectorization: vocabulary.txt)
         --sequence-length N  --padding pre|post  --truncating pre|post (default pre)
         --num-words N  --oov-token TOKEN  --filters CHARS  --split STR
         --lower true|false  --char-level  (override the Tokenizer JSON's settings)

Other:
  --json                     print the report as JSON on stdout
  -q, --quiet                print nothing but errors
  -h, --help                 show this help
  --version                  show the converter version

Examples:
  tensorlens convert my_model.h5 out/
  tensorlens convert my_model.keras --task image --labels labels.txt --name flowers
  tensorlens convert weights.h5 out/ --architecture model.json --quantize-uint8
`;

class UsageError extends Error {}

interface Parsed {
  positionals: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set([
  'architecture', 'weight-shard-size-bytes', 'task', 'labels', 'name', 'display-name', 'description', 'output',
  'input-size', 'scale', 'offset', 'mean', 'std', 'resize', 'vocab', 'sequence-length', 'padding', 'truncating', 'lower',
  'preset', 'fit', 'resize-method', 'background', 'color-order', 'num-words', 'oov-token', 'filters', 'split',
]);
/** flags that only shape metadata.json / vocab.json */
const METADATA_FLAGS = new Set([
  'labels', 'display-name', 'description', 'output', 'input-size', 'scale', 'offset', 'mean', 'std', 'resize', 'vocab', 'sequence-length',
  'padding', 'truncating', 'lower', 'char-level', 'preset', 'fit', 'resize-method', 'background', 'color-order', 'num-words', 'oov-token', 'filters', 'split',
]);
const BOOL_FLAGS = new Set(['allow-custom', 'no-validate', 'json', 'quiet', 'help', 'version', 'char-level']);
const OPTIONAL_VALUE_FLAGS = new Set(['quantize-float16', 'quantize-uint8', 'quantize-uint16']);

function parseArgs(argv: string[]): Parsed {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h') {
      flags.set('help', true);
      continue;
    }
    if (a === '-q') {
      flags.set('quiet', true);
      continue;
    }
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    // accept python-converter spellings (--quantize_uint8, --weight_shard_size_bytes)
    const key = (eq >= 0 ? a.slice(2, eq) : a.slice(2)).replace(/_/g, '-');
    const inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    if (OPTIONAL_VALUE_FLAGS.has(key)) flags.set(key, inline ?? true);
    else if (BOOL_FLAGS.has(key)) {
      if (inline !== undefined) throw new UsageError(`--${key} takes no value`);
      flags.set(key, true);
    } else if (VALUE_FLAGS.has(key)) {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`--${key} needs a value`);
      flags.set(key, v);
    } else throw new UsageError(`unknown option --${key} (see --help)`);
  }
  return { positionals, flags };
}

function str(p: Parsed, k: string): string | undefined {
  const v = p.flags.get(k);
  return typeof v === 'string' ? v : undefined;
}

function num(p: Parsed, k: string): number | undefined {
  const v = str(p, k);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${k} expects a number, got "${v}"`);
  return n;
}

function numList(p: Parsed, k: string): number[] | undefined {
  const v = str(p, k);
  if (v === undefined) return undefined;
  const xs = v.split(',').map(Number);
  if (xs.some((x) => !Number.isFinite(x))) throw new UsageError(`--${k} expects comma-separated numbers, got "${v}"`);
  return xs;
}

function oneOf<T extends string>(p: Parsed, k: string, allowed: readonly T[]): T | undefined {
  const v = str(p, k);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${k} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

function background(p: Parsed): [number, number, number] | undefined {
  const v = numList(p, 'background');
  if (v === undefined) return undefined;
  if (v.length !== 3 || !v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) throw new UsageError(`--background expects r,g,b with integers 0..255, e.g. 255,255,255, got "${str(p, 'background') ?? ''}"`);
  return v as [number, number, number];
}

function readInput(file: string, what: string): Buffer {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new ConvertError('usage', `${file}: no such file (expected ${what})`);
  }
  if (st.isDirectory()) throw new ConvertError('usage', `${file}: is a directory (expected ${what})`);
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new ConvertError('io', `${file}: cannot read (${e instanceof Error ? e.message : String(e)})`);
  }
}

function mb(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

function progressBar(enabled: boolean): ConvertOptions['onProgress'] {
  if (!enabled) return undefined;
  let last = '';
  return (stage, f) => {
    const width = 30;
    const filled = Math.round(f * width);
    const line = `\r${stage.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(f * 100)}%`;
    if (line === last) return;
    last = line;
    process.stderr.write(line);
    if (f >= 1) process.stderr.write('\n');
  };
}

export async function runCli(argv: string[]): Promise<number> {
  let p: Parsed;
  try {
    p = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`tensorlens: ${(e as Error).message}\n`);
    return 2;
  }
  if (p.flags.has('help') || argv.length === 0) {
    process.stdout.write(HELP);
    return argv.length === 0 ? 2 : 0;
  }
  if (p.flags.has('version')) {
    process.stdout.write(`${CONVERTED_BY}\n`);
    return 0;
  }
  const [cmd, ...rest] = p.positionals;
  if (cmd !== 'convert') {
    process.stderr.write(`tensorlens: unknown command "${cmd ?? ''}"; expected "convert" (see --help)\n`);
    return 2;
  }
  const quiet = p.flags.has('quiet') || p.flags.has('json');
  try {
    const [input, outArg, extra] = rest;
    if (!input) throw new UsageError('missing <input>: the Keras .h5/.keras file to convert');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    const name = str(p, 'name');
    const outDir = outArg ?? (name ? path.join('model_web', name) : undefined);
    if (!outDir) throw new UsageError('missing <outdir> (or pass --name NAME to write model_web/NAME)');

    const quantize: QuantizeSpec[] = [];
    for (const dtype of ['float16', 'uint8', 'uint16'] as QuantDtype[]) {
      const v = p.flags.get(`quantize-${dtype}`);
      if (v === undefined) continue;
      quantize.push({ dtype, patterns: v === true ? [] : v.split(',').map((s) => s.trim()).filter(Boolean) });
    }
    const shardBytes = num(p, 'weight-shard-size-bytes');
    if (shardBytes !== undefined && (!Number.isInteger(shardBytes) || shardBytes < 1)) throw new UsageError('--weight-shard-size-bytes must be a positive integer');

    let metadata: MetadataOptions | undefined;
    const task = oneOf(p, 'task', ['image', 'text'] as const);
    if (task) {
      const labels = str(p, 'labels');
      if (!labels) throw new UsageError('--task needs --labels FILE (one label per line)');
      if (!name) throw new UsageError('--task needs --name NAME (the model_web/ folder name, kebab-case)');
      if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new UsageError(`--name "${name}" must be kebab-case (a-z, 0-9, ".", "_", "-")`);
      let inputSize: [number, number] | undefined;
      const is = str(p, 'input-size');
      if (is !== undefined) {
        const m = /^(\d+)[x,](\d+)$/.exec(is);
        if (!m) throw new UsageError(`--input-size expects HxW, e.g. 224x224, got "${is}"`);
        inputSize = [Number(m[1]), Number(m[2])];
      }
      const vocab = str(p, 'vocab');
      const lower = str(p, 'lower');
      if (lower !== undefined && lower !== 'true' && lower !== 'false') throw new UsageError('--lower must be true or false');
      metadata = {
        task,
        labelsPath: labels,
        name,
        displayName: str(p, 'display-name'),
        description: str(p, 'description'),
        output: oneOf(p, 'output', ['softmax', 'sigmoid', 'logits'] as const),
        image: {
          preset: str(p, 'preset'),
          inputSize,
          scale: num(p, 'scale'),
          offset: num(p, 'offset'),
          mean: numList(p, 'mean'),
          std: numList(p, 'std'),
          // --resize is the older spelling of --fit
          fit: oneOf(p, 'fit', IMAGE_FITS) ?? oneOf(p, 'resize', ['stretch', 'letterbox'] as const),
          resizeMethod: oneOf(p, 'resize-method', RESIZE_METHODS),
          background: background(p),
          colorOrder: oneOf(p, 'color-order', ['rgb', 'bgr'] as const),
        },
        text: {
          vocabText: vocab ? readInput(vocab, 'a vocabulary JSON file').toString('utf8') : undefined,
          vocabPath: vocab,
          sequenceLength: num(p, 'sequence-length'),
          padding: oneOf(p, 'padding', ['pre', 'post'] as const),
          truncating: oneOf(p, 'truncating', ['pre', 'post'] as const),
          lower: lower === undefined ? undefined : lower === 'true',
          level: p.flags.has('char-level') ? 'char' : undefined,
          numWords: num(p, 'num-words'),
          oovToken: str(p, 'oov-token'),
          filters: str(p, 'filters'),
          split: str(p, 'split'),
        },
        source: { convertedFrom: path.basename(input), convertedBy: CONVERTED_BY },
        // read after every flag value above is checked
        labelsText: readInput(labels, 'a labels file, one label per line').toString('utf8'),
      };
    } else {
      // metadata flags without --task would be silently ignored
      const stray = [...METADATA_FLAGS].find((k) => p.flags.has(k));
      if (stray) throw new UsageError(`--${stray} needs --task image|text (and --labels, --name)`);
    }

    const data = readInput(input, 'a Keras .h5/.hdf5 or .keras file');
    const arch = str(p, 'architecture');
    const showProgress = !quiet && process.stderr.isTTY === true && data.length > 8 * 1024 * 1024;
    const result = await convertKeras(data, {
      inputPath: input,
      architecture: arch ? readInput(arch, 'an architecture JSON or full-model .h5') : undefined,
      architecturePath: arch,
      shardBytes,
      quantize,
      allowCustom: p.flags.has('allow-custom'),
      validate: !p.flags.has('no-validate'),
      metadata,
      onProgress: progressBar(showProgress),
    });
    const files = writeArtifacts(result, outDir);
    const r = result.report;
    if (p.flags.has('json')) process.stdout.write(`${JSON.stringify({ outDir, files, ...r }, null, 2)}\n`);
    else if (!quiet) {
      const out: string[] = [];
      out.push(`converted ${input} (${r.format}, Keras ${r.kerasVersion}, ${r.className}) → ${outDir}/`);
      out.push(`  weights: ${r.weightCount} arrays, ${mb(r.bytesBefore)} → ${mb(r.bytesAfter)} in ${r.shardCount} shard(s)`);
      if (quantize.length > 0 && r.maxDeviation !== null)
        out.push(
          `  quantization: largest output deviation on a random input ${r.maxDeviation.toExponential(3)}` +
            (r.maxPreActivationDeviation !== null ? `; before the final activation ${r.maxPreActivationDeviation.toExponential(3)}` : ''),
        );
      out.push(r.validated ? `  validated: loads in tfjs-layers (cpu) and predicts, output shape ${r.outputShapes.map((s) => `[${s.join(',')}]`).join(' ')}` : '  not validated');
      if (result.metadata) {
        const md = result.metadata;
        out.push(`  metadata: ${md.metadata.task}, ${md.metadata.labels.length} labels (${md.metadata.labels.slice(0, 5).join(', ')}${md.metadata.labels.length > 5 ? ', …' : ''}), output ${md.metadata.output}${md.vocab ? `, ${Object.keys(md.vocab).length} words` : ''}`);
        out.push(`  preprocessing: ${md.summary}`);
      }
      for (const w of r.warnings) out.push(`  warning: ${w}`);
      out.push(`  time: ${(r.timingsMs.total ?? 0).toFixed(0)} ms`);
      process.stdout.write(`${out.join('\n')}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tensorlens: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ConvertError) {
      process.stderr.write(`tensorlens: ${e.message}\n`);
      return e.code === 'usage' ? 2 : 1;
    }
    process.stderr.write(`tensorlens: internal error (please report it with the model file):\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 70;
  }
}
