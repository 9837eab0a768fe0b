/** Backend choice: a quick probe per candidate with timeouts, falling back down a chain. */
import * as tf from './tf';
import { AppError, withTimeout } from '../shared/errors';
import type { BackendName, BackendSetting } from '../shared/protocol';

/** wasm SIMD is fastest on CPU-only machines (45 ms vs 400 ms webgl on SwiftShader for MobileNetV2). */
export const AUTO_CHAIN: readonly BackendName[] = ['wasm', 'webgl', 'cpu'];

export function backendChain(setting: BackendSetting): readonly BackendName[] {
  return setting === 'auto' ? AUTO_CHAIN : [setting];
}

async function probe(name: BackendName, timeoutMs: number): Promise<boolean> {
  try {
    if (!(await withTimeout(tf.setBackend(name), timeoutMs, `starting ${name}`))) return false;
    const t = tf.tidy(() => tf.sum(tf.add(tf.ones([2, 2]), tf.ones([2, 2]))));
    try {
      const v = await withTimeout(t.data(), timeoutMs, `probing ${name}`);
      return v[0] === 8;
    } finally {
      t.dispose();
    }
  } catch {
    return false;
  }
}

/** Sets the first working backend of the chain; throws backend-failed naming what was tried. */
export async function selectBackend(setting: BackendSetting, timeoutMs = 20_000): Promise<BackendName> {
  const chain = backendChain(setting);
  for (const name of chain) {
    if (await probe(name, timeoutMs)) return name;
  }
  throw new AppError('backend-failed', `no TensorFlow.js backend could start (tried ${chain.join(', ')})`);
}
