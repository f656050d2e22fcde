// Node-only unit tests of the device layer and adapter policy: which adapter `auto` picks, that
// each named software path works or fails with a typed error, and the params packing helpers.

import { describe, expect, it } from 'vitest';
import { formatAdapterReport } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { NtkError } from '../../src/errors.js';
import { orderBindings, packParams, type Bound, type Dispatch } from '../../src/device/dispatch.js';
import { grid2d } from '../../src/ops/grid.js';

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

describe('typed dispatch: params packing and binding order (device/dispatch.ts)', () => {
  const buffer = (name: string): Bound => ({ buffer: { label: name } as unknown as GPUBuffer, bytes: 16 });

  it('packs the named fields in declaration order, u32 and f32 little-endian, pad fields 0, to 16 bytes', () => {
    // sgd_update: n, rowStride: u32; lr, momentum, weightDecay: f32; pad0..pad2: u32
    const spec: Dispatch<'sgd_update'> = {
      shader: 'sgd_update',
      label: 'test',
      bindings: { G: buffer('G'), Clip: buffer('Clip'), W: buffer('W'), V: buffer('V') },
      params: { weightDecay: 0.25, n: 7, lr: 0.5, rowStride: 64, momentum: -2 },
      workgroups: [1],
    };
    const view = new DataView(packParams(spec));
    expect(view.byteLength).toBe(32);
    expect([
      view.getUint32(0, true),
      view.getUint32(4, true),
      view.getFloat32(8, true),
      view.getFloat32(12, true),
      view.getFloat32(16, true),
    ]).toEqual([7, 64, 0.5, -2, 0.25]);
    expect([view.getUint32(20, true), view.getUint32(24, true), view.getUint32(28, true)]).toEqual([0, 0, 0]);
  });

  it('keeps a field named like padding (augment_crop_flip `padding`) and rounds 9 fields + 3 pads up to 48 bytes', () => {
    const spec: Dispatch<'augment_crop_flip'> = {
      shader: 'augment_crop_flip',
      label: 'test',
      bindings: { X: buffer('X'), Y: buffer('Y') },
      params: { channels: 3, height: 32, width: 32, padding: 4, flip: 1, seedLo: 5, seedHi: 6, stream: 7, block: 8 },
      workgroups: [1],
    };
    const view = new DataView(packParams(spec));
    expect(view.byteLength).toBe(48);
    expect(Array.from({ length: 12 }, (_, i) => view.getUint32(4 * i, true))).toEqual([3, 32, 32, 4, 1, 5, 6, 7, 8, 0, 0, 0]);
  });

  it('orders the bindings by the shader, marks texture bindings, and names a missing field or binding', () => {
    const spec = {
      shader: 'gemm_block_texture',
      label: 'test',
      bindings: { Mask: buffer('Mask'), Bias: buffer('Bias'), C: buffer('C'), B: buffer('B'), A: buffer('A') },
      params: { M: 1, N: 1, K4: 1, batch: 1, strideA4: 0, strideB4: 0, ldb4: 1, kPer4: 1, blocksN: 1, blocks: 1, cOffset: 0, aOffset4: 0 },
      workgroups: [1],
    } satisfies Dispatch<'gemm_block_texture'>;
    expect(orderBindings(spec).map((b) => [(b.buffer as unknown as { label: string }).label, b.asTexture])).toEqual([
      ['A', true],
      ['B', true],
      ['C', false],
      ['Bias', false],
      ['Mask', false],
    ]);
    const { blocks: _, ...short } = spec.params;
    expect(() => packParams({ ...spec, params: short } as unknown as Dispatch<'gemm_block_texture'>)).toThrow(
      /param "blocks" of gemm_block_texture is missing/,
    );
    const { C: __, ...fewer } = spec.bindings;
    expect(() => orderBindings({ ...spec, bindings: fewer } as unknown as Dispatch<'gemm_block_texture'>)).toThrow(
      /binding "C" of gemm_block_texture is missing/,
    );
  });

  it('splits large dispatches over two grid dimensions within the limit', () => {
    expect(grid2d(10, 65535)).toEqual([10, 1]);
    const [x, y] = grid2d(200_000, 65535);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y).toBeGreaterThanOrEqual(200_000);
  });
});
