import { autoChain, backendChain } from '../../../src/model/backend';

describe('backend chain', () => {
  it('puts wasm first without a GPU (software WebGL or none)', () => {
    for (const r of [
      null,
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'llvmpipe (LLVM 15.0.6, 256 bits)',
      'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0)',
    ]) {
      expect(autoChain(r)).toEqual(['wasm', 'webgl', 'cpu']);
    }
  });

  it('puts webgl first on a hardware GPU', () => {
    expect(autoChain('ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)')).toEqual(['webgl', 'wasm', 'cpu']);
    expect(autoChain('Apple M1')).toEqual(['webgl', 'wasm', 'cpu']);
  });

  it('a forced backend is the whole chain, whatever the GPU', () => {
    expect(backendChain('cpu', 'Apple M1')).toEqual(['cpu']);
    expect(backendChain('webgl', null)).toEqual(['webgl']);
    expect(backendChain('auto', null)).toEqual(['wasm', 'webgl', 'cpu']);
  });
});
