// CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320) over a sequence of byte chunks: the
// integrity check of checkpoint files (src/io/safetensors.ts). Synchronous and runtime-neutral.

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 of the chunks' concatenation, as 8 lowercase hex digits. */
export function crc32Hex(chunks: Uint8Array[]): string {
  let c = 0xffffffff;
  for (const bytes of chunks) {
    for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  }
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}
