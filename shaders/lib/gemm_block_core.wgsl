// The register-blocked GEMM core of gemm_block.wgsl (storage loads) and gemm_block_texture.wgsl
// (texel loads): see gemm_block.wgsl for the design. The including shader binds A (0) and B (1)
// and defines ldA(i)/ldB(i), the i-th vec4 of each operand.

override TRANS_B: bool = false;
override ACCUMULATE: bool = false;
// The epilogue on each stored value v (c = the product): HAS_BIAS adds a bias in part 0 (Bias[row],
// or Bias[col] with BIAS_PER_COLUMN); RELU stores max(v, 0); HAS_MASK stores v where Mask[idx] > 0,
// else 0 (Mask laid out like C from cOffset on). The host sets RELU and HAS_MASK (and a bias that
// belongs after the k-parts' sum) only where the stored value is final: no split-K, no ACCUMULATE.
override HAS_BIAS: bool = false;
override BIAS_PER_COLUMN: bool = false;
override RELU: bool = false;
override HAS_MASK: bool = false;

struct Params {
  M: u32, N: u32, K4: u32, batch: u32,
  strideA4: u32, strideB4: u32, ldb4: u32, kPer4: u32,
  blocksN: u32, blocks: u32, cOffset: u32, aOffset4: u32,
}

@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<storage, read> Bias: array<f32>;
@group(0) @binding(4) var<storage, read> Mask: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

fn store(idx: u32, v: f32) {
  if (ACCUMULATE) {
    C[idx] = C[idx] + v;
    return;
  }
  var y = v;
  if (RELU) { y = max(y, 0.0); }
  if (HAS_MASK) { y = select(0.0, y, Mask[idx - p.cOffset] > 0.0); }
  C[idx] = y;
}

/** Bias[col..col+3] (0 past N): the column bias of 4 adjacent stored values. */
fn columnBias4(col: u32) -> vec4<f32> {
  var b = vec4<f32>(0.0);
  if (col < p.N) { b.x = Bias[col]; }
  if (col + 1u < p.N) { b.y = Bias[col + 1u]; }
  if (col + 2u < p.N) { b.z = Bias[col + 2u]; }
  if (col + 3u < p.N) { b.w = Bias[col + 3u]; }
  return b;
}

/** Stores the 4 values of v at row `row`, columns col..col+3 that lie inside the matrix. */
fn store4(rowBase: u32, col: u32, v: vec4<f32>) {
  if (col < p.N) { store(rowBase + col, v.x); }
  if (col + 1u < p.N) { store(rowBase + col + 1u, v.y); }
  if (col + 2u < p.N) { store(rowBase + col + 2u, v.z); }
  if (col + 3u < p.N) { store(rowBase + col + 3u, v.w); }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let block = gid.x;
  if (block >= p.blocks) { return; }
  let slab = gid.y;
  let b = slab % p.batch;
  let part = slab / p.batch;
  let m0 = (block / p.blocksN) * 32u;
  let n0 = (block % p.blocksN) * 16u;
  let kBegin = part * p.kPer4;
  let kEnd = min(p.K4, kBegin + p.kPer4);
  let aBase = p.aOffset4 + b * p.strideA4 + m0 * p.K4;
  let bBase = b * p.strideB4;
  // #unroll r 32
  var c{r}_0 = vec4<f32>(0.0);
  var c{r}_1 = vec4<f32>(0.0);
  var c{r}_2 = vec4<f32>(0.0);
  var c{r}_3 = vec4<f32>(0.0);
  // #end
  if (TRANS_B) {
    for (var k4 = kBegin; k4 < kEnd; k4 = k4 + 1u) {
      let bk = bBase + n0 * p.K4 + k4;
      // #unroll q 4
      // #unroll i 4
      let b{q}{i} = ldB(bk + ({q}u * 4u + {i}u) * p.K4);
      // #end
      // #end
      // #unroll r 32
      {
        let a = ldA(aBase + {r}u * p.K4 + k4);
        // #unroll q 4
        c{r}_{q} = c{r}_{q} + vec4<f32>(dot(a, b{q}0), dot(a, b{q}1), dot(a, b{q}2), dot(a, b{q}3));
        // #end
      }
      // #end
    }
  } else {
    for (var k4 = kBegin; k4 < kEnd; k4 = k4 + 1u) {
      let bk = bBase + k4 * 4u * p.ldb4 + n0 / 4u;
      // #unroll j 4
      // #unroll q 4
      let b{j}{q} = ldB(bk + {j}u * p.ldb4 + {q}u);
      // #end
      // #end
      // #unroll r 32
      {
        let a = ldA(aBase + {r}u * p.K4 + k4);
        // #unroll q 4
        c{r}_{q} = c{r}_{q} + a.x * b0{q} + a.y * b1{q} + a.z * b2{q} + a.w * b3{q};
        // #end
      }
      // #end
    }
  }
  let cBase = p.cOffset + slab * p.M * p.N;
  // #unroll q 4
  var colBias{q} = vec4<f32>(0.0);
  if (HAS_BIAS && BIAS_PER_COLUMN && part == 0u) { colBias{q} = columnBias4(n0 + {q}u * 4u); }
  // #end
  // #unroll r 32
  if (m0 + {r}u < p.M) {
    let rowBase = cBase + (m0 + {r}u) * p.N;
    var rowBias = 0.0;
    if (HAS_BIAS && !BIAS_PER_COLUMN && part == 0u) { rowBias = Bias[m0 + {r}u]; }
    // #unroll q 4
    store4(rowBase, n0 + {q}u * 4u, c{r}_{q} + select(vec4<f32>(rowBias), colBias{q}, BIAS_PER_COLUMN));
    // #end
  }
  // #end
}
