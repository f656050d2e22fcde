// gzip decompression of data files with the runtime's own DecompressionStream (a global in Node
// 20, Deno, browsers and Workers), so no library is bundled. Corrupt or truncated input is
// E_DATA_FORMAT naming the file; output is only returned when the whole stream checked out.

import { NtkError } from '../errors.js';

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses a gzip stream; `file` names it in errors. */
export async function gunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new NtkError(
      'E_DATA_READ',
      `${file}: this runtime has no DecompressionStream to gunzip it; decompress the file first (gunzip -k).`,
      { file },
    );
  }
  try {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new NtkError(
      'E_DATA_FORMAT',
      `${file}: the gzip stream is corrupt or truncated (${(e as Error).message}); download the file again.`,
      { file, problem: 'gzip' },
    );
  }
}

/** Gunzips `bytes` when they carry the gzip magic number, else returns them unchanged. */
export async function maybeGunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, file) : bytes;
}
