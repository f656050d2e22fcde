// Conv2d weight gradient (NCHW) as an implicit GEMM over one group of samples per z slice:
// group g covers samples [g*spg, min(n, (g+1)*spg)); with k = (sample s, output pixel q) and
// the column j = (ci, ky, kx), Out[g, co, j] = Σ_k dY[s, co, q] · X[s, ci, oy*sh + ky - ph, ox*sw + kx - pw].
// spg = 1 gives per-sample gradients [n, cout, cin, kh, kw]; larger groups give partial sums
// that src/ops/conv2d.ts adds in a fixed order. M = cout, N = cin*kh*kw, K = (samples in g)*oh*ow;
// same tiling and ascending k order as conv2d.wgsl: deterministic, no atomics.

override TY: u32 = 16u; // threads along M: 4, 8, 16, 32 or 64

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, spg: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const BK: u32 = 8u;
var<workgroup> tileA: array<f32, 2048>; // [BK][TM]
var<workgroup> tileB: array<f32, 2048>; // [BK][TN]

fn loadA(m: u32, k: u32, K: u32, s0: u32) -> f32 {
  if (m >= p.cout || k >= K) { return 0.0; }
  let plane = p.oh * p.ow;
  return DY[((s0 + k / plane) * p.cout + m) * plane + k % plane];
}

fn loadB(k: u32, j: u32, K: u32, N: u32, s0: u32) -> f32 {
  if (k >= K || j >= N) { return 0.0; }
  let plane = p.oh * p.ow;
  let s = s0 + k / plane;
  let q = k % plane;
  let khw = p.kh * p.kw;
  let ci = j / khw;
  let r = j % khw;
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
  let N = p.cin * p.kh * p.kw;
  let s0 = wg.z * p.spg;
  let K = min(p.spg, p.n - s0) * p.oh * p.ow;
  let rowBase = wg.y * TM;
  let colBase = wg.x * TN;
  let ty = tid / TX;
  let tx = tid % TX;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < K; k0 = k0 + BK) {
    for (var e = tid; e < BK * TM; e = e + 256u) {
      tileA[e] = loadA(rowBase + e % TM, k0 + e / TM, K, s0);
    }
    for (var e = tid; e < BK * TN; e = e + 256u) {
      tileB[e] = loadB(k0 + e / TN, colBase + e % TN, K, N, s0);
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
    for (var jj = 0u; jj < 4u; jj = jj + 1u) {
      let j = colBase + tx * 4u + jj;
      if (j < N) {
        Out[(wg.z * p.cout + m) * N + j] = acc[i * 4u + jj];
      }
    }
  }
}
