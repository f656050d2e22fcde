// Node-only unit tests of the device layer and adapter policy: which adapter `auto` picks, that
// each named software path works or fails with a typed error, and the params packing helpers.

import { describe, expect, it } from 'vitest';
import { formatAdapterReport } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/kernel_choice.js';
import { NtkError } from '../../src/errors.js';
import { grid2d, packParams } from '../../src/ops/params.js';

describe('adapter policy (Node)', () => {
  it('auto picks a real GPU when present, else the llvmpipe compatibility adapter', async () => {
    const gpu = await createGpu();
    const line = formatAdapterReport(gpu.report);
    if (gpu.report.adapterClass === 'software') {
      expect(gpu.report.path).toBe('dawn/opengles');
      expect(line).toMatch(/llvmpipe/);
    } else {
      expect(gpu.report.path).toBe('dawn/default');
    }
    gpu.destroy();
  });

  it('`gpu` on a machine without one is E_NO_ADAPTER with an install hint', async () => {
    const auto = await createGpu();
    const software = auto.report.adapterClass === 'software';
    auto.destroy();
    if (!software) return; // a real GPU is present: nothing to refuse
    const error = await createGpu({ adapter: 'gpu' }).catch((e) => e);
    expect(error).toBeInstanceOf(NtkError);
    expect(error.code).toBe('E_NO_ADAPTER');
    expect(error.message).toMatch(/setup\.sh/);
  });

  it('swiftshader can be chosen explicitly and reports itself', async () => {
    const gpu = await createGpu({ adapter: 'swiftshader' });
    expect(gpu.report.architecture).toMatch(/swiftshader/i);
    expect(gpu.report.adapterClass).toBe('software');
    gpu.destroy();
  });

  it('NTK_AT_ADAPTER selects the adapter; an unsupported choice is E_ADAPTER_UNAVAILABLE', async () => {
    process.env.NTK_AT_ADAPTER = 'lavapipe';
    try {
      const error = await createGpu().catch((e) => e);
      expect(error.code).toBe('E_ADAPTER_UNAVAILABLE');
      expect(error.message).toMatch(/auto, gpu, llvmpipe, swiftshader/);
    } finally {
      delete process.env.NTK_AT_ADAPTER;
    }
  });

  it('a destroyed Gpu refuses work with E_DEVICE_LOST', async () => {
    const gpu = await createGpu();
    gpu.destroy();
    expect(() => gpu.zero(null as unknown as GPUBuffer, 4)).toThrow(/E_DEVICE_LOST/);
  });
});

describe('uniform params packing', () => {
  it('packs u32/i32/f32 fields little-endian, padded to 16 bytes', () => {
    const buffer = packParams([['u32', 7], ['i32', -2], ['f32', 0.5], ['u32', 1], ['u32', 9]]);
    expect(buffer.byteLength).toBe(32);
    const view = new DataView(buffer);
    expect([view.getUint32(0, true), view.getInt32(4, true), view.getFloat32(8, true), view.getUint32(16, true)]).toEqual([7, -2, 0.5, 9]);
  });

  it('splits large dispatches over two grid dimensions within the limit', () => {
    expect(grid2d(10, 65535)).toEqual([10, 1]);
    const [x, y] = grid2d(200_000, 65535);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y).toBeGreaterThanOrEqual(200_000);
  });
});
