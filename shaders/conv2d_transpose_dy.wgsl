// The A operand of the GEMM-core conv2d input gradient (src/ops/conv2d.ts): each sample's
// dY[s] [cout, plane] transposed to DyT[s] [plane, coutP] (coutP = cout rounded up to a multiple
// of 4, zero-padded), the layout gemm_block.wgsl reads. One invocation per (s, pixel) writes its
// coutP values (a loop of coutP iterations; the host keeps it within the loop budget), so the
// index arithmetic is shared by a whole row. 1-D work on a 2-D grid of 64-thread workgroups.

struct Params { cout: u32, plane: u32, coutP: u32, total: u32, rowStride: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read_write> DyT: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.total) { return; }
  let q = i % p.plane;
  let s = i / p.plane;
  let src = s * p.cout * p.plane + q;
  for (var c = 0u; c < p.coutP; c = c + 1u) {
    var v = 0.0;
    if (c < p.cout) { v = DY[src + c * p.plane]; }
    DyT[i * p.coutP + c] = v;
  }
}
