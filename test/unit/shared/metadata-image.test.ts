/** The image part of the metadata contract: the issue-8 fields, and files written before them. */
import { MetadataError, parseMetadata } from '../../../src/shared/metadata';

const base = (image: Record<string, unknown>): Record<string, unknown> => ({
  schemaVersion: 1, name: 'm', displayName: 'M', task: 'image', labels: ['a', 'b'], output: 'softmax', modelFile: 'model.json', image,
});
const core = { inputSize: [224, 224], channels: 3, scale: 1 / 255, offset: 0 };

test('a full issue-8 image block parses as written', () => {
  const image = { ...core, colorOrder: 'bgr', mean: [1, 2, 3], resizeMethod: 'area', fit: 'center-crop', background: [0, 0, 0], preset: 'resnet', assumed: ['x'] };
  expect(parseMetadata(base(image)).image).toEqual(image);
});

test('old files (resize, no fit/resizeMethod/background) parse with each default named in assumed', () => {
  const im = parseMetadata(base({ ...core, resize: 'letterbox' })).image;
  expect(im).toMatchObject({ fit: 'letterbox', resizeMethod: 'bilinear', background: [255, 255, 255] });
  expect(im).not.toHaveProperty('resize');
  expect(im?.assumed).toHaveLength(3);
  expect(im?.assumed?.join(' ')).toMatch(/older "resize" field.*resizeMethod "bilinear".*background white/);
});

test('only the defaulted fields are reported as assumed', () => {
  const im = parseMetadata(base({ ...core, fit: 'stretch', resizeMethod: 'nearest' })).image;
  expect(im?.assumed).toEqual([expect.stringMatching(/^background white/)]);
  expect(parseMetadata(base({ ...core, fit: 'stretch', resizeMethod: 'nearest', background: [1, 2, 3] })).image).not.toHaveProperty('assumed');
});

test.each([
  [{ ...core }, /"image.fit"/],
  [{ ...core, resize: 'crop' }, /"image.resize"/],
  [{ ...core, fit: 'fill' }, /"image.fit"/],
  [{ ...core, fit: 'stretch', resizeMethod: 'bicubic' }, /"image.resizeMethod" must be one of "bilinear", "bilinear-align-corners", "nearest", "area"/],
  [{ ...core, fit: 'stretch', background: [0, 0, 256] }, /"image.background"/],
  [{ ...core, fit: 'stretch', background: '#fff' }, /"image.background"/],
  [{ ...core, fit: 'stretch', colorOrder: 'rbg' }, /"image.colorOrder"/],
  [{ ...core, fit: 'stretch', assumed: [1] }, /"image.assumed"/],
])('refuses %j', (image, message) => {
  expect(() => parseMetadata(base(image), 'x/metadata.json')).toThrow(MetadataError);
  expect(() => parseMetadata(base(image), 'x/metadata.json')).toThrow(message);
});
