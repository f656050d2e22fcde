// Corrupted and hostile checkpoint files: every flipped byte, truncation, huge header length and
// non-finite weight is a typed error naming the file; a refused save overwrites nothing; temporary
// files of killed writers are removed by the next write; attached parts round-trip bit for bit.

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NtkError } from '../../src/errors.js';
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES } from '../../src/io/safetensors.js';
import { Rng } from '../../src/random/rng.js';
import { decodeCheckpoint, encodeCheckpoint, saveCheckpoint, type TrainingCheckpoint } from '../../src/train/checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-cp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function checkpoint(): TrainingCheckpoint {
  const rng = new Rng(5);
  return {
    epoch: 1,
    step: 8,
    config: { method: 'pgd' },
    rng: { seed: 1, stream: 101, position: 64 },
    model: new Map([
      ['fc.weight', { shape: [4, 3], data: rng.uniform(12, -1, 1) }],
      ['fc.bias', { shape: [4], data: rng.uniform(4) }],
    ]),
    optimizer: new Map([['fc.weight.momentum', { shape: [4, 3], data: rng.uniform(12) }]]),
    parts: new Map([['ntk', { state: { checks: [1, 2] }, arrays: { kernel0: Float64Array.of(Math.PI, -1e-300, 2 ** 60) } }]]),
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NtkError);
    return (e as NtkError).code;
  }
  return undefined;
}

describe('hostile checkpoints', () => {
  it('round-trips model, optimizer and attached parts (float64) bit for bit', () => {
    const cp = checkpoint();
    const back = decodeCheckpoint(encodeCheckpoint(cp), 'cp');
    expect(Array.from(back.model.get('fc.weight')!.data)).toEqual(Array.from(cp.model.get('fc.weight')!.data));
    expect(Array.from(back.parts!.get('ntk')!.arrays.kernel0)).toEqual([Math.PI, -1e-300, 2 ** 60]);
    expect(back.parts!.get('ntk')!.state).toEqual({ checks: [1, 2] });
  });

  it('every single flipped byte (header or data) is E_CHECKPOINT_CORRUPT: the checksum covers both', () => {
    const bytes = encodeCheckpoint(checkpoint());
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const copy = bytes.slice();
        copy[i] ^= mask;
        expect(
          codeOf(() => decodeCheckpoint(copy, 'flipped.safetensors')),
          `byte ${i} ^ ${mask}`,
        ).toBe('E_CHECKPOINT_CORRUPT');
      }
    }
  });

  it('truncations and huge header lengths are E_CHECKPOINT_CORRUPT naming the limit', () => {
    const bytes = encodeCheckpoint(checkpoint());
    for (let n = 0; n < bytes.length; n += 5)
      expect(codeOf(() => decodeCheckpoint(bytes.subarray(0, n), 'cut'))).toBe('E_CHECKPOINT_CORRUPT');
    for (const length of [2n ** 64n - 1n, 2n ** 53n + 1n, BigInt(MAX_HEADER_BYTES) + 1n]) {
      const copy = bytes.slice();
      new DataView(copy.buffer).setBigUint64(0, length, true);
      expect(() => decodeSafetensors(copy, 'huge')).toThrow(
        new RegExp(`E_CHECKPOINT_CORRUPT.*exceeds the limit of ${MAX_HEADER_BYTES} bytes`),
      );
    }
  });

  it('a checkpoint without a checksum (written by other software) is refused', () => {
    const raw = encodeCheckpoint(checkpoint());
    const length = Number(new DataView(raw.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(raw.subarray(8, 8 + length)));
    delete header.__metadata__.crc32;
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + raw.length - 8 - length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(raw.subarray(8 + length), 8 + json.length);
    expect(() => decodeCheckpoint(out, 'nosum')).toThrow(/E_CHECKPOINT_CORRUPT.*crc32.*missing/);
  });

  it('NaN or Inf weights: refused on load (E_NOT_FINITE naming the tensor) and on save (nothing overwritten)', async () => {
    const cp = checkpoint();
    const bad = structuredClone(cp.model.get('fc.bias')!);
    bad.data[2] = NaN;
    // Well-formed container (valid checksum) whose weights are NaN: only the finite check catches it.
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>([
      ['model.fc.weight', cp.model.get('fc.weight')!],
      ['model.fc.bias', bad],
    ]);
    const metadata = { format: 'ntk-at-checkpoint/2', epoch: '1', step: '8', rng: JSON.stringify(cp.rng), config: '{}' };
    expect(() => decodeCheckpoint(encodeSafetensors({ tensors, metadata }), 'nan.safetensors')).toThrow(
      /E_NOT_FINITE.*nan\.safetensors.*model\.fc\.bias.*index 2/,
    );
    const path = join(dir, 'keep.safetensors');
    await saveCheckpoint(path, cp);
    const before = readFileSync(path);
    cp.optimizer.get('fc.weight.momentum')!.data[0] = Infinity;
    await expect(saveCheckpoint(path, cp)).rejects.toMatchObject({ code: 'E_NOT_FINITE' });
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it("temporary files of killed writers are removed by the next write; a live writer's are kept", async () => {
    const path = join(dir, 'cp.safetensors');
    const dead = `${path}.tmp-999999999-abc123`; // no such process
    const live = `${path}.tmp-${process.pid}-inflight`;
    const other = join(dir, 'other.safetensors.tmp-999999999-x1');
    for (const f of [dead, live, other]) writeFileSync(f, 'partial');
    await saveCheckpoint(path, checkpoint());
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true); // another file's temporaries are not ours to judge
    expect(decodeCheckpoint(readFileSync(path), path).step).toBe(8);
  });
});
