// Per-channel sums of X viewed as [outer, C, inner]: Out[c] = sum over (o, i) of X[o, c, i]
// (bias gradients: batch sums for dense, batch-and-pixel sums for conv); Out[c] += ... when
// ACCUMULATE. One 256-thread workgroup per channel: thread t adds elements t, t+256, ... of the
// channel's (o, i) sequence in order, then a fixed binary tree: deterministic, no atomics.
// Split under the loop budget (src/device/loop_budget.ts): workgroup z = part sums elements
// [part*perPart, (part+1)*perPart) of the sequence into Out[part * channels + c] (partials that
// src/ops/channel_sum.ts adds in part order).

override ACCUMULATE: bool = false;

struct Params { channels: u32, inner: u32, count: u32, rowStride: u32, perPart: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = wg.x + wg.y * p.rowStride;
  var s = 0.0;
  if (c < p.channels) {
    let end = min(p.count, (wg.z + 1u) * p.perPart);
    for (var j = wg.z * p.perPart + lid.x; j < end; j = j + 256u) {
      let o = j / p.inner;
      let i = j % p.inner;
      s = s + X[(o * p.channels + c) * p.inner + i];
    }
  }
  partial[lid.x] = s;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride = stride / 2u) {
    if (lid.x < stride) { partial[lid.x] = partial[lid.x] + partial[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u && c < p.channels) {
    let o = wg.z * p.channels + c;
    if (ACCUMULATE) {
      Out[o] = Out[o] + partial[0];
    } else {
      Out[o] = partial[0];
    }
  }
}
