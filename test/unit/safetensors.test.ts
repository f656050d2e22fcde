// safetensors codec: round trip, 8-byte data alignment, and strict decoding: every corruption
// (truncation, bad header, overlapping or out-of-range offsets, random bytes) is E_CHECKPOINT_CORRUPT.

import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type SafetensorsContent } from '../../src/io/safetensors.js';
import { Rng } from '../../src/random/rng.js';

function sample(): SafetensorsContent {
  const rng = new Rng(3);
  return {
    tensors: new Map([
      ['layer.weight', { shape: [3, 5], data: rng.uniform(15, -1, 1) }],
      ['layer.bias', { shape: [5], data: rng.uniform(5) }],
      ['scalar', { shape: [], data: Float32Array.of(7) }],
    ]),
    metadata: { format: 'test', epoch: '3' },
  };
}

describe('safetensors', () => {
  it('round-trips tensors and metadata bit for bit', () => {
    const content = sample();
    const bytes = encodeSafetensors(content);
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const back = decodeSafetensors(bytes, 'mem');
    expect(back.metadata).toEqual(content.metadata);
    expect([...back.tensors.keys()]).toEqual([...content.tensors.keys()]);
    for (const [name, t] of content.tensors) {
      expect(back.tensors.get(name)!.shape).toEqual(t.shape);
      expect(Array.from(back.tensors.get(name)!.data)).toEqual(Array.from(t.data));
    }
  });

  it('decodes a Node Buffer (as fs.readFileSync returns) to the same values: its slice is a view, not a copy', () => {
    const content = sample();
    const bytes = Buffer.from(encodeSafetensors(content)); // a Buffer whose data starts past its header
    const back = decodeSafetensors(bytes, 'buffer');
    for (const [name, t] of content.tensors) expect(Array.from(back.tensors.get(name)!.data)).toEqual(Array.from(t.data));
  });

  it('decodes float64 tensors that follow an odd number of float32 values (they are stored first, 8-byte aligned)', () => {
    const content: SafetensorsContent = {
      tensors: new Map<string, { shape: number[]; data: Float32Array | Float64Array }>([
        ['odd', { shape: [3], data: Float32Array.of(1, 2, 3) }],
        ['kernel', { shape: [2, 2], data: Float64Array.of(0.1, 0.2, 0.3, 0.4) }],
        ['after', { shape: [1], data: Float32Array.of(5) }],
      ]) as SafetensorsContent['tensors'],
      metadata: {},
    };
    const back = decodeSafetensors(encodeSafetensors(content), 'mixed');
    expect(Array.from(back.tensors.get('kernel')!.data)).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(Array.from(back.tensors.get('odd')!.data)).toEqual([1, 2, 3]);
    expect(Array.from(back.tensors.get('after')!.data)).toEqual([5]);
  });

  it('rejects every truncation with E_CHECKPOINT_CORRUPT', () => {
    const bytes = encodeSafetensors(sample());
    for (let n = 0; n < bytes.length; n += 7) {
      expect(() => decodeSafetensors(bytes.subarray(0, n), 'cut.safetensors')).toThrow(/E_CHECKPOINT_CORRUPT.*cut\.safetensors/);
    }
  });

  it('rejects inconsistent headers', () => {
    const bytes = encodeSafetensors(sample());
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    const rebuild = (h: unknown) => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(8 + json.length + bytes.length - 8 - headerLength);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(bytes.subarray(8 + headerLength), 8 + json.length);
      return out;
    };
    const overlap = structuredClone(header);
    overlap['layer.bias'].data_offsets = [0, 20];
    expect(() => decodeSafetensors(rebuild(overlap), 'x')).toThrow(/overlap/);
    const f16 = structuredClone(header);
    f16['layer.bias'].dtype = 'F16';
    expect(() => decodeSafetensors(rebuild(f16), 'x')).toThrow(/dtype/);
    const wrongShape = structuredClone(header);
    wrongShape['layer.weight'].shape = [4, 5];
    expect(() => decodeSafetensors(rebuild(wrongShape), 'x')).toThrow(/do not hold F32 shape/);
  });

  it('fuzz: random corruptions give typed errors or valid content, never a crash', () => {
    const bytes = encodeSafetensors(sample());
    const rng = new Rng(99);
    for (let trial = 0; trial < 400; trial++) {
      const copy = bytes.slice(0, rng.int(bytes.length) + 1);
      const flips = 1 + rng.int(8);
      for (let f = 0; f < flips; f++) copy[rng.int(copy.length)] = rng.int(256);
      try {
        decodeSafetensors(copy, 'fuzz');
      } catch (e) {
        expect((e as { code?: string }).code).toBe('E_CHECKPOINT_CORRUPT');
      }
    }
  });
});
