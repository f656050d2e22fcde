// Register-blocked f32 GEMM for software (CPU) adapters: C[b] = A[b]·op(B[b]) (+ C[b] when
// ACCUMULATE), barrier-free, no workgroup memory. On llvmpipe every storage load is a per-lane
// guarded scalar loop while arithmetic runs 8 lanes wide, so speed is set by how many
// multiply-adds each load feeds: one invocation keeps a 32x16 block of C in registers; per step of
// 4 k it loads the B block (16 vec4) first, then streams A one vec4 per row (32 vec4) into 2048
// multiply-adds. The body is unrolled by scripts/codegen.mjs, so the k loop is the only loop.
// Operands (src/ops/matmul.ts packs them when needed): A [batch][M][K4] vec4 rows (k contiguous,
// K padded with zeros to 4·K4); B [batch][4·K4][ldb4] vec4 rows (n contiguous) or, TRANS_B,
// [batch][N][K4] (k contiguous). Rows of A past M and columns of B past N are read but never
// stored. Split-K (src/device/loop_budget.ts): slab z = part·batch + b sums k4 in
// [part·kPer4, min(K4, (part+1)·kPer4)) into its own [M, N] slab of C (A from vec4 aOffset4 on, C
// from element cOffset on). Fixed order: deterministic. The epilogue (lib/gemm_block_core.wgsl:
// bias per row or column, ReLU, mask) acts on the stored value; bias in part 0.
// Grid: x covers the 32x16 blocks (64 per workgroup), y the slabs. The core lives in
// lib/gemm_block_core.wgsl; this variant reads both operands as vec4 storage arrays.

@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;

fn ldA(i: u32) -> vec4<f32> { return A[i]; }
fn ldB(i: u32) -> vec4<f32> { return B[i]; }

// #include lib/gemm_block_core.wgsl
