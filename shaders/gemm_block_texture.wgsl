// gemm_block.wgsl with both operands read as texels: llvmpipe's texel fetch loads a whole vec4 per
// lane without the per-lane guarded loop of storage loads. Each operand's buffer is copied into an
// rgba32float texture of rows of 256 texels (src/device/gpu.ts, in the dispatch's command buffer):
// vec4 i of the operand is texel (i % 256, i / 256).

@group(0) @binding(0) var A: texture_2d<f32>;
@group(0) @binding(1) var B: texture_2d<f32>;

fn ldA(i: u32) -> vec4<f32> { return textureLoad(A, vec2<u32>(i % 256u, i / 256u), 0); }
fn ldB(i: u32) -> vec4<f32> { return textureLoad(B, vec2<u32>(i % 256u, i / 256u), 0); }

// #include lib/gemm_block_core.wgsl
