// The im2col operand of the GEMM-core conv2d paths (src/ops/conv2d.ts): for the samples
// [s0, s0 + count) of X [n, cin, h, w], Col[s][k][q] = X[s0 + s, ci, oy*SH + ky - ph, ox*SW + kx - pw]
// with k = (ci, ky, kx) < K = cin*KH*KW and q = (oy, ox) < oh*ow, 0 in the padding and in the
// zero-padded layout [count][kRows][planeP] that gemm_block.wgsl reads (k rows, pixels contiguous).
// With ONES_ROW, row k = K holds 1 at every pixel (q < oh*ow): a product with it sums dy over the
// pixels, i.e. the bias gradient comes out of the weight-gradient GEMM as one more column.
// One invocation writes a run of RUN pixels of one output row (oy) of one (s, k) row, so its index
// arithmetic (integer divisions run lane by lane on CPU adapters) is shared by RUN values; the
// window is compile-time (override constants), one pipeline per window shape. The last run of a
// row of Col also zeroes its padding q in [oh*ow, planeP). Loops: at most RUN + 3 iterations.
// 1-D work on a 2-D grid of 64-thread workgroups: i = gid.x + gid.y * rowStride.

override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override ONES_ROW: bool = false;
const RUN: u32 = 16u;

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  ph: u32, pw: u32, oh: u32, ow: u32,
  s0: u32, rowStride: u32, kRows: u32, planeP: u32,
  total: u32, runs: u32, pad0: u32, pad1: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Col: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.total) { return; }
  let run = i % p.runs;
  let t = i / p.runs;
  let oy = t % p.oh;
  let row = t / p.oh; // (sample, k) row of Col
  let k = row % p.kRows;
  let s = p.s0 + row / p.kRows;
  let K = p.cin * KH * KW;
  let rowBase = row * p.planeP;
  let ox0 = run * RUN;
  let ox1 = min(p.ow, ox0 + RUN);
  if (k < K) {
    let ci = k / (KH * KW);
    let ky = (k / KW) % KH;
    let kx = k % KW;
    let iy = i32(oy * SH + ky) - i32(p.ph);
    let rowInside = iy >= 0 && iy < i32(p.h);
    let xBase = ((s * p.cin + ci) * p.h + u32(max(iy, 0))) * p.w;
    for (var ox = ox0; ox < ox1; ox = ox + 1u) {
      let ix = i32(ox * SW + kx) - i32(p.pw);
      var v = 0.0;
      if (rowInside && ix >= 0 && ix < i32(p.w)) { v = X[xBase + u32(ix)]; }
      Col[rowBase + oy * p.ow + ox] = v;
    }
  } else {
    let v = select(0.0, 1.0, ONES_ROW && k == K);
    for (var ox = ox0; ox < ox1; ox = ox + 1u) { Col[rowBase + oy * p.ow + ox] = v; }
  }
  if (oy == p.oh - 1u && run == p.runs - 1u) {
    for (var q = p.oh * p.ow; q < p.planeP; q = q + 1u) { Col[rowBase + q] = 0.0; }
  }
}
