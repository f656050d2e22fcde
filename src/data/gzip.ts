// gzip decompression of data files with the runtime's own DecompressionStream (a global in Node
// 20, Deno, browsers and Workers), so no library is bundled. Corrupt or truncated input is
// E_DATA_FORMAT naming the file; output is only returned when the whole stream checked out. The
// output is bounded as it inflates (a gzip bomb is refused, never held): by the size the decompressed
// data's own header declares (IDX), and by INFLATE_LIMIT.

import { NtkError } from '../errors.js';

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The most a data file may inflate to (CIFAR-10's batches are 30 MB each, Fashion-MNIST's 47 MB): 1 GiB. */
export const INFLATE_LIMIT = 2 ** 30;

/**
 * The size the output may reach, read from its first bytes: `declared(head)` returns the size the
 * header states, or null while `head` is too short to tell; for formats without one, INFLATE_LIMIT.
 */
export type DeclaredSize = (head: Uint8Array) => number | null;

function joined(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decompresses a gzip stream, refusing (E_DATA_FORMAT) output beyond the declared size or INFLATE_LIMIT; `file` names it in errors. */
export async function gunzip(bytes: Uint8Array, file: string, declared: DeclaredSize = () => INFLATE_LIMIT): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new NtkError(
      'E_DATA_READ',
      `${file}: this runtime has no DecompressionStream to gunzip it; decompress the file first (gunzip -k).`,
      { file },
    );
  }
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let bound: number | null = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
      bound ??= declared(chunks.length === 1 ? value : joined(chunks, length));
      const limit = Math.min(bound ?? INFLATE_LIMIT, INFLATE_LIMIT);
      if (length > limit) {
        await reader.cancel().catch(() => undefined);
        throw new NtkError(
          'E_DATA_FORMAT',
          `${file}: the gzip stream inflates beyond ${limit} bytes, ${bound === null || bound > INFLATE_LIMIT ? 'the most a data file may hold' : 'the size its header declares'}: ` +
            'it is corrupt or not a data file; download the file again.',
          { file, problem: 'gzip-size', limit },
        );
      }
    }
    return joined(chunks, length);
  } catch (e) {
    if (e instanceof NtkError) throw e;
    throw new NtkError(
      'E_DATA_FORMAT',
      `${file}: the gzip stream is corrupt or truncated (${(e as Error).message}); download the file again.`,
      { file, problem: 'gzip' },
    );
  }
}

/** Gunzips `bytes` when they carry the gzip magic number, else returns them unchanged. */
export async function maybeGunzip(bytes: Uint8Array, file: string, declared?: DeclaredSize): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, file, declared) : bytes;
}
