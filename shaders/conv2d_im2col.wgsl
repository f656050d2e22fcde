// The im2col operand of the GEMM-core conv2d paths (src/ops/conv2d.ts): for the samples
// [s0, s0 + count) of X [n, cin, h, w], Col[s][k][q] = X[s0 + s, ci, oy*sh + ky - ph, ox*sw + kx - pw]
// with k = (ci, ky, kx) < K = cin*kh*kw and q = (oy, ox) < oh*ow, 0 in the padding and in the
// zero-padded layout [count][kRows][planeP] that gemm_block.wgsl reads (k rows, pixels contiguous).
// With ONES_ROW, row k = K holds 1 at every pixel (q < oh*ow): a product with it sums dy over the
// pixels, i.e. the bias gradient comes out of the weight-gradient GEMM as one more column.
// 1-D work on a 2-D grid of 64-thread workgroups: i = gid.x + gid.y * rowStride.

override ONES_ROW: bool = false;

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, s0: u32, rowStride: u32, kRows: u32,
  planeP: u32, total: u32, pad0: u32, pad1: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Col: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.total) { return; }
  let q = i % p.planeP;
  let k = (i / p.planeP) % p.kRows;
  let s = p.s0 + i / (p.planeP * p.kRows);
  let khw = p.kh * p.kw;
  var v = 0.0;
  if (q < p.oh * p.ow && k < p.cin * khw) {
    let ci = k / khw;
    let iy = i32((q / p.ow) * p.sh + (k % khw) / p.kw) - i32(p.ph);
    let ix = i32((q % p.ow) * p.sw + k % p.kw) - i32(p.pw);
    if (iy >= 0 && ix >= 0 && iy < i32(p.h) && ix < i32(p.w)) {
      v = X[((s * p.cin + ci) * p.h + u32(iy)) * p.w + u32(ix)];
    }
  } else if (ONES_ROW && q < p.oh * p.ow && k == p.cin * khw) {
    v = 1.0;
  }
  Col[i] = v;
}
