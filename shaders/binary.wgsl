// Elementwise binary op Y[i] = f(A[i], B[i mod nb]), f chosen by the OP override (the OP_*
// constants are the op table: codegen emits them as BINARY_OPS in src/ops/binary.ts). B broadcasts
// when its shape is a suffix of A's (nb divides n; nb = 1 is a scalar). Each invocation computes 4
// elements as one vec4 (a quarter of the loads and stores: software adapters pay per access); in
// the last vec4, elements at n and past are written 0. Without BROADCAST (nb = n) B is read as one
// vec4 too, with it element by element. 1-D work on a 2-D grid of 64-thread workgroups:
// i = gid.x + gid.y * rowStride.

override OP: u32 = 0u;
override BROADCAST: bool = false;

const OP_ADD = 0u;
const OP_SUB = 1u;
const OP_MUL = 2u;
const OP_RELU_BACKWARD = 3u; // a where b > 0, else 0

struct Params { n: u32, rowStride: u32, nb: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> Y: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

fn apply(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  switch OP {
    case OP_ADD: { return a + b; }
    case OP_SUB: { return a - b; }
    case OP_MUL: { return a * b; }
    case OP_RELU_BACKWARD: { return select(vec4<f32>(0.0), a, b > vec4<f32>(0.0)); } // dy where x > 0
    default: { return a; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (4u * i >= p.n) { return; }
  let e = 4u * i + vec4<u32>(0u, 1u, 2u, 3u);
  var b: vec4<f32>;
  if (BROADCAST) {
    let j = e % p.nb;
    b = vec4<f32>(B[j.x / 4u][j.x % 4u], B[j.y / 4u][j.y % 4u], B[j.z / 4u][j.z % 4u], B[j.w / 4u][j.w % 4u]);
  } else {
    b = B[i];
  }
  Y[i] = select(vec4<f32>(0.0), apply(A[i], b), e < vec4<u32>(p.n));
}
