// The last step of the NTK's structured conv contraction (src/ops/block_product_sum.ts, for src/ntk/kernel.ts): with A and B the
// [ma·P, mb·P] Grams of pixel rows (sample i's pixel p is row i·P + p), Out[i, j] = Σ_p Σ_q
// A[i·P + p, j·P + q] · B[i·P + p, j·P + q], summed in (p, q) order: deterministic. One invocation
// per (i, j); its P² loop iterations stay within the loop budget (the host chooses this form only
// then). 1-D work on a 2-D grid of 64-thread workgroups.

struct Params { ma: u32, mb: u32, P: u32, rowStride: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.x + gid.y * p.rowStride;
  if (idx >= p.ma * p.mb) { return; }
  let i = idx / p.mb;
  let j = idx % p.mb;
  let width = p.mb * p.P;
  var acc = 0.0;
  for (var a = 0u; a < p.P; a = a + 1u) {
    let row = (i * p.P + a) * width + j * p.P;
    for (var b = 0u; b < p.P; b = b + 1u) { acc = acc + A[row + b] * B[row + b]; }
  }
  Out[idx] = acc;
}
