import * as fs from 'node:fs';
import { preprocessImage, axisTaps } from '../src/model/preprocess';
import * as tf from '../src/model/tf';
const meta = JSON.parse(fs.readFileSync('model_web/nsfw-mobilenet-v2/metadata.json', 'utf8'));
(async () => {
  await tf.setBackend('cpu');
  const w = 1024, h = 800;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  for (let r = 0; r < 12; r++) {
    const t0 = performance.now();
    axisTaps(800, 224, 'bilinear-align-corners'); axisTaps(1024, 224, 'bilinear-align-corners');
    const ta = performance.now();
    const x = preprocessImage({ data, width: w, height: h }, meta.image);
    const t1 = performance.now();
    const y = tf.tidy(() => tf.add(tf.mul(tf.tensor3d(new Float32Array(224*224*3), [224,224,3]), 0.5), 1));
    const t2 = performance.now();
    x.dispose(); y.dispose();
    if (r > 6) console.log(`taps ${(ta - t0).toFixed(2)} preprocess ${(t1 - ta).toFixed(1)} ms, tf ops alone ${(t2 - t1).toFixed(1)} ms`);
  }
})();
