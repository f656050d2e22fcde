// Batched f32 matmul: C[b] = op(A[b]) * op(B[b]) (+ C[b] when ACCUMULATE), row-major, where
// op() transposes when TRANS_A / TRANS_B. op(A) is M x K, op(B) is K x N, C is M x N.
// 64x64 output tile per workgroup, 16x16 threads each computing a 4x4 block, K in steps of 16
// through workgroup memory. Any shape: loads outside the matrix read 0, stores are guarded.
// The k-sum runs in a fixed order, so results are deterministic on a given adapter.
// Split-K (src/device/loop_budget.ts): workgroup z = part * batch + b sums k in
// [part*kPer, min(K, (part+1)*kPer)); with parts > 1 each part writes its own [batch, M, N] slab
// of C (partial sums, added in part order by sum_partials.wgsl).

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override ACCUMULATE: bool = false;

struct Params {
  M: u32, N: u32, K: u32, batch: u32,
  strideA: u32, strideB: u32, strideC: u32, kPer: u32,
}

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const TILE: u32 = 64u;
const BK: u32 = 16u;

var<workgroup> tileA: array<f32, 1024>; // [BK][TILE], tileA[k * TILE + m]
var<workgroup> tileB: array<f32, 1024>; // [BK][TILE], tileB[k * TILE + n]

fn loadA(b: u32, m: u32, k: u32, kEnd: u32) -> f32 {
  if (m >= p.M || k >= kEnd) { return 0.0; }
  var idx = m * p.K + k;
  if (TRANS_A) { idx = k * p.M + m; }
  return A[b * p.strideA + idx];
}

fn loadB(b: u32, k: u32, n: u32, kEnd: u32) -> f32 {
  if (k >= kEnd || n >= p.N) { return 0.0; }
  var idx = k * p.N + n;
  if (TRANS_B) { idx = n * p.K + k; }
  return B[b * p.strideB + idx];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wg.z % p.batch;
  let part = wg.z / p.batch;
  let kBegin = part * p.kPer;
  let kEnd = min(p.K, kBegin + p.kPer);
  let rowBase = wg.y * TILE;
  let colBase = wg.x * TILE;
  let tid = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var k0 = kBegin; k0 < kEnd; k0 = k0 + BK) {
    for (var i = 0u; i < 4u; i = i + 1u) {
      let e = tid + i * 256u;
      let kk = e / TILE;
      let mn = e % TILE;
      tileA[e] = loadA(b, rowBase + mn, k0 + kk, kEnd);
      tileB[e] = loadB(b, k0 + kk, colBase + mn, kEnd);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk = kk + 1u) {
      var a: array<f32, 4>;
      var v: array<f32, 4>;
      for (var i = 0u; i < 4u; i = i + 1u) {
        a[i] = tileA[kk * TILE + lid.y * 4u + i];
        v[i] = tileB[kk * TILE + lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i = i + 1u) {
        for (var j = 0u; j < 4u; j = j + 1u) {
          acc[i * 4u + j] = acc[i * 4u + j] + a[i] * v[j];
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i = i + 1u) {
    let row = rowBase + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j = j + 1u) {
      let col = colBase + lid.x * 4u + j;
      if (row < p.M && col < p.N) {
        let idx = wg.z * p.strideC + row * p.N + col;
        if (ACCUMULATE) {
          C[idx] = C[idx] + acc[i * 4u + j];
        } else {
          C[idx] = acc[i * 4u + j];
        }
      }
    }
  }
}
