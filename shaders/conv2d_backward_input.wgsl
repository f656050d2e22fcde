// Conv2d input gradient (NCHW) as an implicit GEMM: with k = (co, ky, kx) and the column
// j = (sample s, input pixel (iy, ix)), dX[s, ci, iy, ix] = Σ_k W[co, ci, ky, kx] · dYcol[k, j],
// where dYcol[k, j] = dY[s, co, oy, ox] when iy + ph - ky = oy*sh and ix + pw - kx = ox*sw
// land on an output pixel, else 0. A gather (no scatter, no atomics): M = cin, K = cout*kh*kw,
// N = n*h*w; same tiling and fixed k order as conv2d.wgsl.

override TY: u32 = 16u; // threads along M: 4, 8, 16, 32 or 64

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, pad0: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const BK: u32 = 8u;
var<workgroup> tileA: array<f32, 2048>; // [BK][TM]
var<workgroup> tileB: array<f32, 2048>; // [BK][TN]

fn loadA(m: u32, k: u32, K: u32) -> f32 {
  if (m >= p.cin || k >= K) { return 0.0; }
  let khw = p.kh * p.kw;
  return W[((k / khw) * p.cin + m) * khw + k % khw];
}

fn loadB(k: u32, j: u32, K: u32, N: u32) -> f32 {
  if (k >= K || j >= N) { return 0.0; }
  let khw = p.kh * p.kw;
  let co = k / khw;
  let r = k % khw;
  let plane = p.h * p.w;
  let s = j / plane;
  let q = j % plane;
  let ty = i32(q / p.w + p.ph) - i32(r / p.kw);
  let tx = i32(q % p.w + p.pw) - i32(r % p.kw);
  if (ty < 0 || tx < 0) { return 0.0; }
  let uy = u32(ty);
  let ux = u32(tx);
  if (uy % p.sh != 0u || ux % p.sw != 0u) { return 0.0; }
  let oy = uy / p.sh;
  let ox = ux / p.sw;
  if (oy >= p.oh || ox >= p.ow) { return 0.0; }
  return DY[((s * p.cout + co) * p.oh + oy) * p.ow + ox];
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let TX = 256u / TY;
  let TM = 4u * TY;
  let TN = 4u * TX;
  let K = p.cout * p.kh * p.kw;
  let plane = p.h * p.w;
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
    if (m >= p.cin) { continue; }
    for (var jj = 0u; jj < 4u; jj = jj + 1u) {
      let j = colBase + tx * 4u + jj;
      if (j < N) {
        DX[((j / plane) * p.cin + m) * plane + j % plane] = acc[i * 4u + jj];
      }
    }
  }
}
