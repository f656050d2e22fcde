// The program choice by measurement (src/ops/program_choice.ts) and the adapter classes: a probe on
// first use, the per-adapter cache file on the next, NTK_AT_GEMM forcing a GEMM variant (typed
// error for a wrong one or the old names), commands per submission by class, option or env, and classes
// from the fallback flag and names, `unknown` when masked.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SUBMIT_EVERY, SUBMIT_EVERY } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { GEMM_VARIANTS } from '../../src/ops/matmul.js';
import { adapterClass } from '../../src/platform/types.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'ntk-at-program-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('program choice by measurement (Node)', () => {
  it('measures on first use, then reads the cache; the choice is correct and the fastest within the margin', async () => {
    process.env.NTK_AT_CACHE_DIR = cacheDir;
    try {
      const first = await createGpu();
      const k = first.programs;
      first.destroy();
      expect(k.source).toBe('measured');
      expect(GEMM_VARIANTS).toContain(k.matmul);
      expect(k.conv2d).toBe(k.matmul === 'tiled' ? 'implicit' : 'im2col');
      const times = Object.values(k.timings) as number[];
      expect(times.length).toBeGreaterThanOrEqual(1);
      expect(k.timings[k.matmul]!).toBeLessThanOrEqual(Math.min(...times) / 0.85);
      expect(k.probeMs).toBeGreaterThan(0);
      expect(k.firstUseMs).toBeGreaterThan(0); // the first candidate's first product, compilation included
      expect(k.firstUseMs).toBeLessThanOrEqual(k.probeMs);
      expect(Object.keys(k.timings).length + Object.keys(k.rejected).length + k.skipped.length).toBe(GEMM_VARIANTS.length); // each candidate accounted for
      const files = readdirSync(cacheDir);
      expect(files).toEqual([`program-choice-${k.adapterKey}.json`]);
      expect(JSON.parse(readFileSync(join(cacheDir, files[0]), 'utf8')).matmul).toBe(k.matmul);
      const second = await createGpu();
      expect(second.programs).toMatchObject({ matmul: k.matmul, source: 'cached', probeMs: 0, adapterKey: k.adapterKey });
      second.destroy();
    } finally {
      delete process.env.NTK_AT_CACHE_DIR;
    }
  });

  it('NTK_AT_GEMM and the option force a GEMM variant; an unknown one is E_INVALID_ARGUMENT', async () => {
    process.env.NTK_AT_GEMM = 'tiled';
    try {
      const gpu = await createGpu();
      expect(gpu.programs).toMatchObject({ matmul: 'tiled', conv2d: 'implicit', source: 'explicit' });
      gpu.destroy();
      process.env.NTK_AT_GEMM = 'fast';
      const error = await createGpu().catch((e) => e);
      expect(error.code).toBe('E_INVALID_ARGUMENT');
      expect(error.message).toMatch(/block, block-storage, tiled/);
    } finally {
      delete process.env.NTK_AT_GEMM;
    }
    const forced = await createGpu({ gemm: 'block-storage' });
    expect(forced.programs).toMatchObject({ matmul: 'block-storage', conv2d: 'im2col', source: 'explicit' });
    forced.destroy();
  });

  it('the names before 0.1.0 (env NTK_AT_MATMUL_KERNEL, option matmulKernel) are typed errors naming the new ones', async () => {
    process.env.NTK_AT_MATMUL_KERNEL = 'tiled';
    try {
      const error = await createGpu().catch((e) => e);
      expect(error.code).toBe('E_INVALID_ARGUMENT');
      expect(error.message).toMatch(/NTK_AT_GEMM/);
    } finally {
      delete process.env.NTK_AT_MATMUL_KERNEL;
    }
    const error = await createGpu({ matmulKernel: 'tiled' } as never).catch((e) => e);
    expect(error.code).toBe('E_INVALID_ARGUMENT');
    expect(error.message).toMatch(/"gemm"/);
  });
});

describe('commands per submission', () => {
  it("follow the adapter class's SUBMIT_EVERY, the option, or env NTK_AT_SUBMIT_EVERY; a bad value is a typed error", async () => {
    const byClass = await createGpu({ gemm: 'block' });
    expect(byClass.submitEvery).toBe(SUBMIT_EVERY[byClass.report.adapterClass]);
    byClass.destroy();
    const byOption = await createGpu({ gemm: 'block', submitEvery: 5 });
    expect(byOption.submitEvery).toBe(5);
    byOption.destroy();
    process.env.NTK_AT_SUBMIT_EVERY = '7';
    try {
      const byEnv = await createGpu({ gemm: 'block' });
      expect(byEnv.submitEvery).toBe(7);
      byEnv.destroy();
      process.env.NTK_AT_SUBMIT_EVERY = 'many';
      const error = await createGpu({ gemm: 'block' }).catch((e) => e);
      expect(error.code).toBe('E_INVALID_ARGUMENT');
      expect(error.message).toMatch(/NTK_AT_SUBMIT_EVERY must be an integer from 1 to 1024/);
    } finally {
      delete process.env.NTK_AT_SUBMIT_EVERY;
    }
    for (const bad of [0, 2.5, MAX_SUBMIT_EVERY + 1, Number.NaN]) {
      const error = await createGpu({ gemm: 'block', submitEvery: bad }).catch((e) => e);
      expect(error.code).toBe('E_INVALID_ARGUMENT');
      expect(error.message).toMatch(/option submitEvery/);
    }
  });
});

describe('adapter classes', () => {
  const info = (fields: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }) =>
    ({ vendor: '', architecture: '', device: '', description: '', ...fields }) as GPUAdapterInfo;
  it("software from the fallback flag or a CPU implementation's name", () => {
    expect(adapterClass(info({ isFallbackAdapter: true }))).toBe('software');
    expect(adapterClass(info({ vendor: 'google', architecture: 'swiftshader' }))).toBe('software');
    expect(adapterClass(info({ description: 'ANGLE (Mesa/X.org, llvmpipe (LLVM 15.0.6 256 bits), OpenGL ES 3.2 Mesa 22.3.6)' }))).toBe(
      'software',
    );
  });
  it('hardware only where a GPU maker or product is named', () => {
    expect(adapterClass(info({ vendor: 'nvidia', architecture: 'hopper' }))).toBe('hardware');
    expect(adapterClass(info({ description: 'ANGLE (AMD, Radeon RX 7900)' }))).toBe('hardware');
  });
  it('unknown when the info is masked or names only a driver stack', () => {
    expect(adapterClass(info({}))).toBe('unknown');
    expect(adapterClass(info({ vendor: 'mesa' }))).toBe('unknown');
    expect(adapterClass(info({ device: '0x0000' }))).toBe('unknown');
  });
});
