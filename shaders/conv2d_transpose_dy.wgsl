// Pixel-major planes for the GEMM core (src/ops/conv2d_im2col.ts): each sample's DY[s] [cout, plane]
// (each line's pixels `planeStride` apart) transposed to DyT[s] [plane, coutP] (coutP = cout rounded
// up to a multiple of 4, zero-padded), the layout gemm_block.wgsl reads: the A operand of the conv
// input gradient's pixel-rows form, and the NTK's pixel-major dy and patches. One invocation per
// (s, pixel) writes its coutP values (a loop of coutP iterations; the host keeps it within the loop
// budget), so the index arithmetic is shared by a whole row. 1-D work on a 2-D grid of 64-thread
// workgroups.

struct Params { cout: u32, plane: u32, coutP: u32, total: u32, rowStride: u32, planeStride: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read_write> DyT: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.total) { return; }
  let q = i % p.plane;
  let s = i / p.plane;
  let src = s * p.cout * p.planeStride + q;
  for (var c = 0u; c < p.coutP; c = c + 1u) {
    var v = 0.0;
    if (c < p.cout) { v = DY[src + c * p.planeStride]; }
    DyT[i * p.coutP + c] = v;
  }
}
