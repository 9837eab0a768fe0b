import { expectedWeightBytes } from '../../../src/model/host';

describe('expectedWeightBytes (names a truncated shard after a failed load)', () => {
  it('sums shape x dtype size, using the quantized dtype when present', () => {
    expect(
      expectedWeightBytes([
        { name: 'd/kernel', shape: [3, 4], dtype: 'float32' },
        { name: 'd/bias', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } },
        { name: 'e/embeddings', shape: [10, 2], dtype: 'float32', quantization: { dtype: 'float16' } },
        { name: 'scalar', shape: [], dtype: 'int32' },
      ]),
    ).toBe(3 * 4 * 4 + 4 * 1 + 20 * 2 + 4);
  });

  it('gives up (null) on unknown dtypes or malformed shapes rather than guessing', () => {
    expect(expectedWeightBytes([{ shape: [2], dtype: 'complex64' }])).toBeNull();
    expect(expectedWeightBytes([{ shape: [-1], dtype: 'float32' }])).toBeNull();
    expect(expectedWeightBytes('nope')).toBeNull();
  });
});
