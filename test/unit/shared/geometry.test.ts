import { placement, thumbnailSize } from '../../../src/shared/geometry';

describe('placement', () => {
  it('stretch maps the whole image onto the whole input (no crop)', () => {
    expect(placement(1024, 500, 224, 224, 'stretch')).toEqual({ src: { x: 0, y: 0, width: 1024, height: 500 }, dst: { x: 0, y: 0, width: 224, height: 224 } });
  });
  it('letterbox keeps the aspect ratio and centers', () => {
    expect(placement(1000, 500, 224, 224, 'letterbox').dst).toEqual({ x: 0, y: 56, width: 224, height: 112 });
    expect(placement(500, 1000, 224, 224, 'letterbox').dst).toEqual({ x: 56, y: 0, width: 112, height: 224 });
    expect(placement(300, 100, 12, 12, 'letterbox').dst).toEqual({ x: 0, y: 4, width: 12, height: 4 });
  });
  it('letterbox upscales small images to fit', () => {
    expect(placement(10, 10, 224, 224, 'letterbox').dst).toEqual({ x: 0, y: 0, width: 224, height: 224 });
  });
  it('center-crop takes the centred box with the input aspect (Keras smart_resize)', () => {
    expect(placement(300, 100, 10, 10, 'center-crop').src).toEqual({ x: 100, y: 0, width: 100, height: 100 });
    expect(placement(100, 301, 10, 20, 'center-crop').src).toEqual({ x: 0, y: 125, width: 100, height: 50 });
  });
  it('rejects an empty image', () => {
    expect(() => placement(0, 10, 224, 224, 'stretch')).toThrow(/no size/);
  });
});

describe('thumbnailSize', () => {
  it('caps the longer side and never upscales', () => {
    expect(thumbnailSize(1024, 512, 96)).toEqual({ width: 96, height: 48 });
    expect(thumbnailSize(40, 20, 96)).toEqual({ width: 40, height: 20 });
  });
});
