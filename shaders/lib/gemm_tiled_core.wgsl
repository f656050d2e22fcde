// The tiled GEMM core of the real-GPU path (matmul.wgsl and the implicit-GEMM conv shaders): a
// workgroup of 256 threads computes a TM x TN tile of C = A·B (TM = 4*TY, TN = 4*(256/TY)), each
// thread a 4x4 block; k advances in steps of BK through workgroup memory, always in ascending order:
// deterministic, no atomics. TM and TN divide 256, so every thread loads one fixed A-tile row
// (tid % TM) and one fixed B-tile column (tid % TN) at every step: the including shader decodes
// them once (into var<private> state) before calling gemmTile. The including shader defines
//   TY (threads along M: 4, 8, 16, 32 or 64), BK (k per step), TILE_ELEMS (>= BK*TM and BK*TN),
//   fn mmReadA(k: u32) -> f32: this thread's A row at k (0 outside the matrix),
//   fn mmReadB(k: u32) -> f32: this thread's B column at k (0 outside the matrix),
//   fn mmWrite(row: u32, col: u32, v: f32): stores C[row, col] (guarding rows and columns itself).

var<workgroup> tileA: array<f32, TILE_ELEMS>; // [BK][TM]
var<workgroup> tileB: array<f32, TILE_ELEMS>; // [BK][TN]

/** This thread's 4x4 block of the tile, summed over k in [kBegin, kEnd) (k < kEnd is checked here). */
fn gemmTile(tid: u32, kBegin: u32, kEnd: u32) -> array<f32, 16> {
  let TX = 256u / TY;
  let TM = 4u * TY;
  let TN = 4u * TX;
  let ty = tid / TX;
  let tx = tid % TX;
  let aRow = tid % TM;
  let bCol = tid % TN;
  let loads = (BK * max(TM, TN) + 255u) / 256u;
  var acc: array<f32, 16>;
  for (var k0 = kBegin; k0 < kEnd; k0 = k0 + BK) {
    for (var i = 0u; i < loads; i = i + 1u) {
      let kA = tid / TM + i * (256u / TM);
      if (kA < BK) {
        var v = 0.0;
        if (k0 + kA < kEnd) { v = mmReadA(k0 + kA); }
        tileA[kA * TM + aRow] = v;
      }
      let kB = tid / TN + i * (256u / TN);
      if (kB < BK) {
        var v = 0.0;
        if (k0 + kB < kEnd) { v = mmReadB(k0 + kB); }
        tileB[kB * TN + bCol] = v;
      }
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
        for (var j = 0u; j < 4u; j = j + 1u) {
          acc[i * 4u + j] = acc[i * 4u + j] + a[i] * b[j];
        }
      }
    }
    workgroupBarrier();
  }
  return acc;
}

/** Stores this thread's block (from gemmTile) of the tile at (rowBase, colBase) through mmWrite. */
fn gemmStore(tid: u32, rowBase: u32, colBase: u32, acc: array<f32, 16>) {
  let TX = 256u / TY;
  let ty = tid / TX;
  let tx = tid % TX;
  for (var i = 0u; i < 4u; i = i + 1u) {
    for (var j = 0u; j < 4u; j = j + 1u) {
      mmWrite(rowBase + ty * 4u + i, colBase + tx * 4u + j, acc[i * 4u + j]);
    }
  }
}
