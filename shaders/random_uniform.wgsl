// Fills Y[i] (i < n) with uniform floats in [0, 1) from Philox4x32-10, bit-identical to
// src/random/philox.ts: element j = offset + i is word (j mod 4) of the block at counter j / 4,
// key = (seedLo, seedHi), counter = (j / 4, 0, stream, 0), value = (word >> 8) * 2^-24.
// Each thread computes one block and writes its up-to-4 elements.

struct Params { n: u32, rowStride: u32, seedLo: u32, seedHi: u32, stream: u32, offset: u32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read_write> Y: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;

// #include lib/philox.wgsl

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.rowStride; // block index relative to the first block touched
  let firstBlock = p.offset / 4u;
  let block = firstBlock + t;
  let words = philox(vec4<u32>(block, 0u, p.stream, 0u), vec2<u32>(p.seedLo, p.seedHi));
  for (var w = 0u; w < 4u; w = w + 1u) {
    let j = block * 4u + w;
    if (j >= p.offset && j - p.offset < p.n) {
      Y[j - p.offset] = f32(words[w] >> 8u) * (1.0 / 16777216.0);
    }
  }
}
