// Conv2d input gradient (NCHW) as an implicit GEMM: with k = (co, ky, kx) and the column
// j = (sample s, input pixel (iy, ix)), dX[s, ci, iy, ix] = Σ_k W[co, ci, ky, kx] · dYcol[k, j],
// where dYcol[k, j] = dY[s, co, oy, ox] when iy + ph - ky = oy*SH and ix + pw - kx = ox*SW
// land on an output pixel, else 0. A gather (no scatter, no atomics): M = cin, K = cout*KH*KW,
// N = n*h*w; same tiling, fixed k order, per-thread hoisting and split-K (workgroup z = part,
// one [n, cin, h, w] slab of DX per part) as conv2d.wgsl.

override TY: u32 = 16u; // threads along M: 4, 8, 16, 32 or 64
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

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
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
  let K = p.cout * KHW;
  let plane = p.h * p.w;
  let N = p.n * plane;
  let rowBase = wg.y * TM;
  let colBase = wg.x * TN;
  let ty = tid / TX;
  let tx = tid % TX;
  // this thread's A-tile row (an input channel) and B-tile column (an input pixel)
  let aRow = tid % TM;
  let ci = rowBase + aRow;
  let bCol = tid % TN;
  let j = colBase + bCol;
  let q = j % plane;
  let ty0 = i32(q / p.w + p.ph);
  let tx0 = i32(q % p.w + p.pw);
  let dySample = (j / plane) * p.cout * p.oh * p.ow;
  let kBegin = wg.z * p.perPart;
  let kEnd = min(K, kBegin + p.perPart);
  var acc: array<f32, 16>;
  for (var k0 = kBegin; k0 < kEnd; k0 = k0 + BK) {
    for (var kk = tid / TM; kk < BK; kk = kk + 256u / TM) {
      let k = k0 + kk;
      var v = 0.0;
      if (ci < p.cin && k < kEnd) { v = W[((k / KHW) * p.cin + ci) * KHW + k % KHW]; }
      tileA[kk * TM + aRow] = v;
    }
    for (var kk = tid / TN; kk < BK; kk = kk + 256u / TN) {
      let k = k0 + kk;
      var v = 0.0;
      if (j < N && k < kEnd) {
        let r = k % KHW;
        let uy = ty0 - i32(r / KW);
        let ux = tx0 - i32(r % KW);
        if (uy >= 0 && ux >= 0 && u32(uy) % SH == 0u && u32(ux) % SW == 0u) {
          let oy = u32(uy) / SH;
          let ox = u32(ux) / SW;
          if (oy < p.oh && ox < p.ow) { v = DY[dySample + ((k / KHW) * p.oh + oy) * p.ow + ox]; }
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
    if (row >= p.cin) { continue; }
    for (var jj = 0u; jj < 4u; jj = jj + 1u) {
      let col = colBase + tx * 4u + jj;
      if (col < N) {
        DX[wg.z * p.cin * N + ((col / plane) * p.cin + row) * plane + col % plane] = acc[i * 4u + jj];
      }
    }
  }
}
