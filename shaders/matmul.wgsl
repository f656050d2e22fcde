// Batched f32 matmul: C[b] = op(A[b]) * op(B[b]) (+ C[b] when ACCUMULATE), row-major, where
// op() transposes when TRANS_A / TRANS_B. op(A) is M x K, op(B) is K x N, C is M x N.
// 64x64 output tile per workgroup, 256 threads each computing a 4x4 block, K in steps of 16
// through workgroup memory (the tiled GEMM core, lib/gemm_tiled_core.wgsl, with this shader's
// load and store hooks). Any shape: loads outside the matrix read 0, stores are guarded.
// The k-sum runs in a fixed order, so results are deterministic on a given adapter.
// Split-K (src/device/loop_budget.ts): workgroup z = part * batch + b sums k in
// [part*kPer, min(K, (part+1)*kPer)); with parts > 1 each part writes its own [batch, M, N] slab
// of C (partial sums, added in part order by sum_partials.wgsl).
// The epilogue on each stored value v, set by the host only where v is final (one part, no
// ACCUMULATE): HAS_BIAS adds Bias[row] (Bias[col] with BIAS_PER_COLUMN), RELU stores max(v, 0),
// HAS_MASK stores v where Mask[idx] > 0, else 0 (Mask shaped like C).

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override ACCUMULATE: bool = false;
override HAS_BIAS: bool = false;
override BIAS_PER_COLUMN: bool = false;
override RELU: bool = false;
override HAS_MASK: bool = false;

struct Params {
  M: u32, N: u32, K: u32, batch: u32,
  strideA: u32, strideB: u32, strideC: u32, kPer: u32,
}

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<storage, read> Bias: array<f32>;
@group(0) @binding(4) var<storage, read> Mask: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

const TY: u32 = 16u; // 64 x 64 tile
const BK: u32 = 16u;
const TILE_ELEMS: u32 = 1024u;

var<private> batchIndex: u32; // this workgroup's batch entry
var<private> rowOfA: u32; // this thread's row of op(A) and column of op(B)
var<private> colOfB: u32;
var<private> cSlab: u32; // offset of this workgroup's [M, N] slab of C

fn mmReadA(k: u32) -> f32 {
  if (rowOfA >= p.M) { return 0.0; }
  var idx = rowOfA * p.K + k;
  if (TRANS_A) { idx = k * p.M + rowOfA; }
  return A[batchIndex * p.strideA + idx];
}

fn mmReadB(k: u32) -> f32 {
  if (colOfB >= p.N) { return 0.0; }
  var idx = k * p.N + colOfB;
  if (TRANS_B) { idx = colOfB * p.K + k; }
  return B[batchIndex * p.strideB + idx];
}

fn mmWrite(row: u32, col: u32, v: f32) {
  if (row < p.M && col < p.N) {
    let idx = cSlab + row * p.N + col;
    if (ACCUMULATE) {
      C[idx] = C[idx] + v;
      return;
    }
    var y = v;
    if (HAS_BIAS) { y = y + Bias[select(row, col, BIAS_PER_COLUMN)]; }
    if (RELU) { y = max(y, 0.0); }
    if (HAS_MASK) { y = select(0.0, y, Mask[idx] > 0.0); }
    C[idx] = y;
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  batchIndex = wg.z % p.batch;
  let kBegin = (wg.z / p.batch) * p.kPer;
  let rowBase = wg.y * 64u;
  let colBase = wg.x * 64u;
  rowOfA = rowBase + tid % 64u;
  colOfB = colBase + tid % 64u;
  cSlab = wg.z * p.strideC;
  gemmStore(tid, rowBase, colBase, gemmTile(tid, kBegin, min(p.K, kBegin + p.kPer)));
}

// #include lib/gemm_tiled_core.wgsl
