// Conv2d forward (NCHW) as an implicit GEMM, no im2col buffer: with k = (ci, ky, kx) and the
// column j = (sample s, output pixel p), Y[s, co, p] = bias[co] + Σ_k W[co, k] · Xcol[k, j],
// where Xcol[k, j] = X[s, ci, oy*sh + ky - ph, ox*sw + kx - pw] (0 in the padding).
// M = cout, K = cin*kh*kw, N = n*oh*ow. A workgroup of 256 threads computes a TM x TN tile
// (TM = 4*TY, TN = 4*(256/TY)), each thread a 4x4 block; K advances in steps of BK through
// workgroup memory, always in ascending order: deterministic, no atomics.

override TY: u32 = 16u; // threads along M: 4, 8, 16, 32 or 64
override HAS_BIAS: bool = false;

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, pad0: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> Bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const BK: u32 = 8u;
var<workgroup> tileA: array<f32, 2048>; // [BK][TM]
var<workgroup> tileB: array<f32, 2048>; // [BK][TN]

fn loadA(m: u32, k: u32, K: u32) -> f32 {
  if (m >= p.cout || k >= K) { return 0.0; }
  return W[m * K + k];
}

fn loadB(k: u32, j: u32, K: u32, N: u32) -> f32 {
  if (k >= K || j >= N) { return 0.0; }
  let khw = p.kh * p.kw;
  let ci = k / khw;
  let r = k % khw;
  let plane = p.oh * p.ow;
  let s = j / plane;
  let q = j % plane;
  let iy = i32((q / p.ow) * p.sh + r / p.kw) - i32(p.ph);
  let ix = i32((q % p.ow) * p.sw + r % p.kw) - i32(p.pw);
  if (iy < 0 || ix < 0 || iy >= i32(p.h) || ix >= i32(p.w)) { return 0.0; }
  return X[((s * p.cin + ci) * p.h + u32(iy)) * p.w + u32(ix)];
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let TX = 256u / TY;
  let TM = 4u * TY;
  let TN = 4u * TX;
  let K = p.cin * p.kh * p.kw;
  let plane = p.oh * p.ow;
  let N = p.n * plane;
  let rowBase = wg.y * TM;
  let colBase = wg.x * TN;
  let ty = tid / TX;
  let tx = tid % TX;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < K; k0 = k0 + BK) {
    for (var e = tid; e < BK * TM; e = e + 256u) {
      tileA[e] = loadA(rowBase + e % TM, k0 + e / TM, K);
    }
    for (var e = tid; e < BK * TN; e = e + 256u) {
      tileB[e] = loadB(k0 + e / TN, colBase + e % TN, K, N);
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
    let m = rowBase + ty * 4u + i;
    if (m >= p.cout) { continue; }
    var bias = 0.0;
    if (HAS_BIAS) { bias = Bias[m]; }
    for (var jj = 0u; jj < 4u; jj = jj + 1u) {
      let j = colBase + tx * 4u + jj;
      if (j < N) {
        Y[((j / plane) * p.cout + m) * plane + j % plane] = acc[i * 4u + jj] + bias;
      }
    }
  }
}
