// Conv2d forward (NCHW) as an implicit GEMM, no im2col buffer: with k = (ci, ky, kx) and the
// column j = (sample s, output pixel p), Y[s, co, p] = bias[co] + Σ_k W[co, k] · Xcol[k, j],
// where Xcol[k, j] = X[s, ci, oy*SH + ky - ph, ox*SW + kx - pw] (0 in the padding).
// M = cout, K = cin*KH*KW, N = n*oh*ow. A workgroup of 256 threads computes a TM x TN tile
// (TM = 4*TY, TN = 4*(256/TY)), each thread a 4x4 block; K advances in steps of BK through
// workgroup memory, always in ascending order: deterministic, no atomics. TN divides 256, so
// each thread loads one fixed tile column: its pixel is decoded once, outside the k loop, and
// the kernel size and stride are override constants (divisions by them are cheap).
// Split-K under the loop budget (src/device/loop_budget.ts): workgroup z = part sums k in
// [part*perPart, min(K, (part+1)*perPart)) into its own [n, cout, oh, ow] slab of Y (part 0 adds
// the bias); src/ops/conv2d.ts adds the slabs in part order.

override TY: u32 = 16u; // threads along M: 4, 8, 16, 32 or 64
override HAS_BIAS: bool = false;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, pad0: u32, pad1: u32, perPart: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> Bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const BK: u32 = 8u;
var<workgroup> tileA: array<f32, 2048>; // [BK][TM]
var<workgroup> tileB: array<f32, 2048>; // [BK][TN]

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let TX = 256u / TY;
  let TM = 4u * TY;
  let TN = 4u * TX;
  let K = p.cin * KH * KW;
  let plane = p.oh * p.ow;
  let N = p.n * plane;
  let rowBase = wg.y * TM;
  let colBase = wg.x * TN;
  let ty = tid / TX;
  let tx = tid % TX;
  // this thread's A-tile row (a weight row) and B-tile column (an output pixel)
  let aRow = tid % TM;
  let m = rowBase + aRow;
  let bCol = tid % TN;
  let j = colBase + bCol;
  let q = j % plane;
  let iy0 = i32((q / p.ow) * SH) - i32(p.ph);
  let ix0 = i32((q % p.ow) * SW) - i32(p.pw);
  let xSample = (j / plane) * p.cin * p.h * p.w;
  let kBegin = wg.z * p.perPart;
  let kEnd = min(K, kBegin + p.perPart);
  var acc: array<f32, 16>;
  for (var k0 = kBegin; k0 < kEnd; k0 = k0 + BK) {
    for (var kk = tid / TM; kk < BK; kk = kk + 256u / TM) {
      let k = k0 + kk;
      var v = 0.0;
      if (m < p.cout && k < kEnd) { v = W[m * K + k]; }
      tileA[kk * TM + aRow] = v;
    }
    for (var kk = tid / TN; kk < BK; kk = kk + 256u / TN) {
      let k = k0 + kk;
      var v = 0.0;
      if (j < N && k < kEnd) {
        let ci = k / (KH * KW);
        let r = k % (KH * KW);
        let iy = iy0 + i32(r / KW);
        let ix = ix0 + i32(r % KW);
        if (iy >= 0 && ix >= 0 && iy < i32(p.h) && ix < i32(p.w)) {
          v = X[xSample + (ci * p.h + u32(iy)) * p.w + u32(ix)];
        }
      }
      tileB[kk * TN + bCol] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk = kk + 1u) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i = i + 1u) {
        a[i] = tileA[kk * TM + ty * 4u + i];
        b[i] = tileB[kk * TN + tx * 4u + i];
      }
      for (var i = 0u; i < 4u; i = i + 1u) {
        for (var jj = 0u; jj < 4u; jj = jj + 1u) {
          acc[i * 4u + jj] = acc[i * 4u + jj] + a[i] * b[jj];
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i = i + 1u) {
    let row = rowBase + ty * 4u + i;
    if (row >= p.cout) { continue; }
    var bias = 0.0;
    if (HAS_BIAS && wg.z == 0u) { bias = Bias[row]; }
    for (var jj = 0u; jj < 4u; jj = jj + 1u) {
      let col = colBase + tx * 4u + jj;
      if (col < N) {
        Y[wg.z * p.cout * N + ((col / plane) * p.cout + row) * plane + col % plane] = acc[i * 4u + jj] + bias;
      }
    }
  }
}
