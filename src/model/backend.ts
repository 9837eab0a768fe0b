/** Backend choice: a quick probe per candidate with timeouts, falling back down a chain. */
import * as tf from './tf';
import { AppError, withTimeout } from '../shared/errors';
import type { BackendName, BackendSetting } from '../shared/protocol';

/**
 * Without a GPU, wasm SIMD is fastest: MobileNetV2 45 ms vs 400 ms for webgl on SwiftShader and
 * 1.4 s for cpu (measured in the offscreen document on a 2-core machine). With a real GPU, webgl
 * wins (roughly 10–20 ms on integrated GPUs), so it goes first there.
 */
const CPU_ONLY_CHAIN: readonly BackendName[] = ['wasm', 'webgl', 'cpu'];
const GPU_CHAIN: readonly BackendName[] = ['webgl', 'wasm', 'cpu'];

/** Renderer strings of software rasterisers: WebGL "works" there but is slower than wasm. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|lavapipe|microsoft basic render|mesa offscreen/i;

/** The auto chain for a WebGL renderer string (null: WebGL unavailable or the string hidden). */
export function autoChain(renderer: string | null): readonly BackendName[] {
  return renderer && !SOFTWARE_RENDERER.test(renderer) ? GPU_CHAIN : CPU_ONLY_CHAIN;
}

export function backendChain(setting: BackendSetting, renderer: string | null): readonly BackendName[] {
  return setting === 'auto' ? autoChain(renderer) : [setting];
}

/** The WebGL renderer string of this context, or null; releases the probe context at once. */
export function webglRenderer(): string | null {
  try {
    const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(1, 1) : null;
    const gl = canvas?.getContext('webgl2') ?? canvas?.getContext('webgl');
    if (!gl) return null;
    // Firefox returns the unmasked renderer from RENDERER and deprecates the debug extension.
    const info = navigator.userAgent.includes('Firefox') ? null : gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return renderer || null;
  } catch {
    return null;
  }
}

async function probe(name: BackendName, timeoutMs: number): Promise<boolean> {
  try {
    if (name === 'webgl') await withTimeout(tf.loadWebglBackend(), timeoutMs, 'loading the WebGL backend');
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
  const chain = backendChain(setting, setting === 'auto' ? webglRenderer() : null);
  for (const name of chain) {
    if (await probe(name, timeoutMs)) return name;
  }
  throw new AppError('backend-failed', `no TensorFlow.js backend could start (tried ${chain.join(', ')})`);
}
