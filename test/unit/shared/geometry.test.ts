import { placeImage, thumbnailSize } from '../../../src/shared/geometry';

describe('placeImage', () => {
  it('stretch maps the whole image onto the whole input (no crop)', () => {
    expect(placeImage(1024, 500, 224, 224, 'stretch')).toEqual({ x: 0, y: 0, width: 224, height: 224 });
  });
  it('letterbox keeps the aspect ratio and centers', () => {
    expect(placeImage(1000, 500, 224, 224, 'letterbox')).toEqual({ x: 0, y: 56, width: 224, height: 112 });
    expect(placeImage(500, 1000, 224, 224, 'letterbox')).toEqual({ x: 56, y: 0, width: 112, height: 224 });
  });
  it('letterbox upscales small images to fit', () => {
    expect(placeImage(10, 10, 224, 224, 'letterbox')).toEqual({ x: 0, y: 0, width: 224, height: 224 });
  });
  it('rejects an empty image', () => {
    expect(() => placeImage(0, 10, 224, 224, 'stretch')).toThrow(/no size/);
  });
});

describe('thumbnailSize', () => {
  it('caps the longer side and never upscales', () => {
    expect(thumbnailSize(1024, 512, 96)).toEqual({ width: 96, height: 48 });
    expect(thumbnailSize(40, 20, 96)).toEqual({ width: 40, height: 20 });
  });
});
