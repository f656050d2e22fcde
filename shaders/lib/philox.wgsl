// Philox4x32-10 (Salmon et al., SC'11) in WGSL, bit-identical to src/random/philox.ts: mulhi via
// 16-bit halves (WGSL has no 64-bit integers), 10 rounds with the standard multipliers and key
// bumps. Included by the shaders that draw random numbers (see scripts/codegen.mjs).

fn mulhi(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}

fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round = round + 1u) {
    let lo0 = 0xd2511f53u * c.x;
    let hi0 = mulhi(0xd2511f53u, c.x);
    let lo1 = 0xcd9e8d57u * c.z;
    let hi1 = mulhi(0xcd9e8d57u, c.z);
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}
