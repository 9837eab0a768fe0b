import { softmax, toProbabilities, topK } from '../../../src/shared/postprocess';

describe('toProbabilities', () => {
  const labels = ['a', 'b', 'c'];
  it('passes softmax outputs through', () => {
    expect(toProbabilities([0.1, 0.7, 0.2], 'softmax', labels).map((s) => s.probability)).toEqual([0.1, 0.7, 0.2]);
  });
  it('applies softmax to logits', () => {
    const p = toProbabilities([1, 2, 3], 'logits', labels).map((s) => s.probability);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(p[2]).toBeGreaterThan(p[1] as number);
  });
  it('turns one sigmoid unit into [1-y, y]', () => {
    const s = toProbabilities([0.8], 'sigmoid', ['ham', 'spam']);
    expect(s[0]?.label).toBe('ham');
    expect(s[0]?.probability).toBeCloseTo(0.2, 6);
    expect(s[1]?.probability).toBeCloseTo(0.8, 6);
  });
  it('rejects a label count mismatch', () => {
    expect(() => toProbabilities([0.5, 0.5], 'softmax', labels)).toThrow(/2 outputs.*3 labels/);
  });
  it('softmax is numerically stable', () => {
    expect(softmax([1000, 1000])).toEqual([0.5, 0.5]);
  });
});

describe('topK', () => {
  it('sorts by probability, ties in label order, and cuts to k', () => {
    const s = [
      { label: 'x', probability: 0.2 },
      { label: 'y', probability: 0.5 },
      { label: 'z', probability: 0.2 },
      { label: 'w', probability: 0.1 },
    ];
    expect(topK(s, 3).map((x) => x.label)).toEqual(['y', 'x', 'z']);
    expect(topK(s, 0)).toEqual([]);
  });
});
