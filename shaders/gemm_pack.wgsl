// Packs a matrix operand for gemm_block.wgsl: Dst[b][r][c] (rowsP x colsP, zero-padded) =
// Src[b][r][c] of a rows x cols matrix, read transposed (Src stored [cols][rows]) when TRANS.
// Zero padding of the k dimension to a multiple of 4 keeps the GEMM's inner loop free of bounds
// checks. 1-D work on a 2-D grid of 64-thread workgroups: i = gid.x + gid.y * rowStride.

override TRANS: bool = false;

struct Params { rows: u32, cols: u32, rowsP: u32, colsP: u32, strideSrc: u32, total: u32, rowStride: u32, pad0: u32 }

@group(0) @binding(0) var<storage, read> Src: array<f32>;
@group(0) @binding(1) var<storage, read_write> Dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.total) { return; }
  let plane = p.rowsP * p.colsP;
  let b = i / plane;
  let r = (i % plane) / p.colsP;
  let c = i % p.colsP;
  var v = 0.0;
  if (r < p.rows && c < p.cols) {
    var idx = r * p.cols + c;
    if (TRANS) { idx = c * p.rows + r; }
    v = Src[b * p.strideSrc + idx];
  }
  Dst[i] = v;
}
