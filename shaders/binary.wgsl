// Elementwise binary op Y[i] = f(A[i], B[i mod nb]), f chosen by the OP override (the OP_*
// constants are the op table: codegen emits them as BINARY_OPS in src/ops/binary.ts). B broadcasts when its shape is a suffix of A's (nb divides n; nb = 1 is a
// scalar). 1-D work on a 2-D grid of 64-thread workgroups: i = gid.x + gid.y * rowStride.

override OP: u32 = 0u;

const OP_ADD = 0u;
const OP_SUB = 1u;
const OP_MUL = 2u;
const OP_RELU_BACKWARD = 3u; // a where b > 0, else 0

struct Params { n: u32, rowStride: u32, nb: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

fn apply(a: f32, b: f32) -> f32 {
  switch OP {
    case OP_ADD: { return a + b; }
    case OP_SUB: { return a - b; }
    case OP_MUL: { return a * b; }
    case OP_RELU_BACKWARD: { return select(0.0, a, b > 0.0); } // dy where x > 0
    default: { return a; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  Y[i] = apply(A[i], B[i % p.nb]);
}
