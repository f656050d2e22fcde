// Elementwise binary op Y[i] = f(A[i], B[i mod nb]), f chosen by the OP override (codes in
// src/ops/binary.ts). B broadcasts when its shape is a suffix of A's (nb divides n; nb = 1 is a
// scalar). 1-D work on a 2-D grid of 64-thread workgroups: i = gid.x + gid.y * rowStride.

override OP: u32 = 0u;

struct Params { n: u32, rowStride: u32, nb: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

fn apply(a: f32, b: f32) -> f32 {
  switch OP {
    case 0u: { return a + b; }                       // add
    case 1u: { return a - b; }                       // sub
    case 2u: { return a * b; }                       // mul
    case 3u: { return select(0.0, a, b > 0.0); }     // relu backward: dy where x > 0
    default: { return a; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  Y[i] = apply(A[i], B[i % p.nb]);
}
