// Conv2d weight gradient (NCHW) as an implicit GEMM over one group of samples per z slice:
// group g covers samples [g*spg, min(n, (g+1)*spg)); with k = (sample s, output pixel q) and
// the column j = (ci, ky, kx), Out[g, co, j] = Σ_k dY[s, co, q] · X[s, ci, oy*SH + ky - ph, ox*SW + kx - pw].
// spg = 1 gives per-sample gradients [n, cout, cin, kh, kw]; larger groups give partial sums
// that src/ops/conv2d.ts adds in a fixed order. M = cout, N = cin*KH*KW, K = (samples in g)*oh*ow;
// same tiling, ascending k order and per-thread hoisting as conv2d.wgsl: deterministic, no atomics.
// Split under the loop budget (src/device/loop_budget.ts): workgroup z = part * groups + g sums
// k in [part*perPart, (part+1)*perPart) of group g into slab z of Out (added in part order).

override TY: u32 = 16u; // threads along M: 4, 8, 16, 32 or 64
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, spg: u32, pad0: u32, perPart: u32,
  groups: u32, pad1: u32, pad2: u32, pad3: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const BK: u32 = 8u;
var<workgroup> tileA: array<f32, 2048>; // [BK][TM]
var<workgroup> tileB: array<f32, 2048>; // [BK][TN]

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let TX = 256u / TY;
  let TM = 4u * TY;
  let TN = 4u * TX;
  let KHW = KH * KW;
  let N = p.cin * KHW;
  let plane = p.oh * p.ow;
  let s0 = (wg.z % p.groups) * p.spg;
  let kBegin = (wg.z / p.groups) * p.perPart;
  let K = min(min(p.spg, p.n - s0) * plane, kBegin + p.perPart);
  let rowBase = wg.y * TM;
  let colBase = wg.x * TN;
  let ty = tid / TX;
  let tx = tid % TX;
  // this thread's A-tile row (an output channel) and B-tile column (a weight tap (ci, ky, kx))
  let aRow = tid % TM;
  let co = rowBase + aRow;
  let bCol = tid % TN;
  let j = colBase + bCol;
  let r = j % KHW;
  let tapY = i32(r / KW) - i32(p.ph); // ky - ph
  let tapX = i32(r % KW) - i32(p.pw); // kx - pw
  let xChannel = (j / KHW) * p.h * p.w;
  var acc: array<f32, 16>;
  for (var k0 = kBegin; k0 < K; k0 = k0 + BK) {
    for (var kk = tid / TM; kk < BK; kk = kk + 256u / TM) {
      let k = k0 + kk;
      var v = 0.0;
      if (co < p.cout && k < K) { v = DY[((s0 + k / plane) * p.cout + co) * plane + k % plane]; }
      tileA[kk * TM + aRow] = v;
    }
    for (var kk = tid / TN; kk < BK; kk = kk + 256u / TN) {
      let k = k0 + kk;
      var v = 0.0;
      if (j < N && k < K) {
        let q = k % plane;
        let iy = i32((q / p.ow) * SH) + tapY;
        let ix = i32((q % p.ow) * SW) + tapX;
        if (iy >= 0 && ix >= 0 && iy < i32(p.h) && ix < i32(p.w)) {
          v = X[(s0 + k / plane) * p.cin * p.h * p.w + xChannel + u32(iy) * p.w + u32(ix)];
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
    for (var jj = 0u; jj < 4u; jj = jj + 1u) {
      let col = colBase + tx * 4u + jj;
      if (col < N) {
        Out[(wg.z * p.cout + row) * N + col] = acc[i * 4u + jj];
      }
    }
  }
}
