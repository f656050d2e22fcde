// Reader of the IDX format (MNIST, Fashion-MNIST), plain or gzip'd, from bytes: no file access
// here. Header: two zero bytes, an element-type byte, a rank byte, then rank big-endian u32
// dimensions; the data follows. Only unsigned bytes (type 0x08), the type of every image set.

import { NtkError } from '../errors.js';
import { ImageDataset } from './dataset.js';
import { maybeGunzip } from './gzip.js';

/** A file's bytes with the name to use in error messages. */
export interface DataFile {
  file: string;
  bytes: Uint8Array;
}

/** A parsed IDX array: dimensions and the data as a view into the input (no copy). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const IDX_TYPES: Record<number, string> = { 8: 'u8', 9: 'i8', 11: 'i16', 12: 'i32', 13: 'f32', 14: 'f64' };

/** Parses uncompressed IDX bytes; E_DATA_FORMAT names `file` and the problem. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const fail = (problem: string, message: string): never => {
    throw new NtkError('E_DATA_FORMAT', `${file}: ${message}`, { file, problem });
  };
  if (bytes.length < 4) fail('truncated', `${bytes.length} bytes is too short for an IDX header; the file is truncated.`);
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in IDX_TYPES)) {
    const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
    fail('magic', `wrong magic number 0x${magic}: not an IDX file (expected 0x0000, a type byte, a rank byte).`);
  }
  if (bytes[2] !== 8) fail('type', `IDX element type ${IDX_TYPES[bytes[2]]} is not supported; image sets use unsigned bytes.`);
  const rank = bytes[3];
  if (rank === 0) fail('magic', 'IDX rank is 0; an image or label file has rank 3 or 1.');
  const header = 4 + 4 * rank;
  if (bytes.length < header)
    fail('truncated', `the header of a rank-${rank} IDX file needs ${header} bytes, the file has ${bytes.length}.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expected = header + dims.reduce((a, b) => a * b, 1);
  if (bytes.length < expected) {
    fail('truncated', `dimensions [${dims}] need ${expected} bytes, the file has ${bytes.length}: it is truncated.`);
  }
  if (bytes.length > expected) {
    fail('trailing', `dimensions [${dims}] need ${expected} bytes, the file has ${bytes.length - expected} more: it is corrupt.`);
  }
  return { dims, data: bytes.subarray(header) };
}

/** The size IDX bytes declare (header + product of the dimensions), from their first bytes; null while the header is incomplete. */
export function idxDeclaredSize(head: Uint8Array): number | null {
  if (head.length < 4) return null;
  const header = 4 + 4 * head[3];
  if (head.length < header) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let size = 1;
  for (let d = 0; d < head[3]; d++) size *= view.getUint32(4 + 4 * d, false);
  return header + size;
}

/** Parses IDX bytes, gunzipping first when they are gzip'd (inflating no further than the header's declared size). */
export async function decodeIdx(bytes: Uint8Array, file: string): Promise<IdxArray> {
  return parseIdx(await maybeGunzip(bytes, file, idxDeclaredSize), file);
}

/**
 * An image data set from an IDX image file (rank 3: [n, h, w]) and an IDX label file (rank 1: [n]),
 * each plain or gzip'd. Shape [1, h, w]; labels must be < classes.length.
 */
export async function readIdxDataset(
  images: DataFile,
  labels: DataFile,
  options: { name: string; classes: readonly string[] },
): Promise<ImageDataset> {
  const x = await decodeIdx(images.bytes, images.file); // in turn, so the first bad file is always the one named
  const y = await decodeIdx(labels.bytes, labels.file);
  const fail = (file: string, problem: string, message: string): never => {
    throw new NtkError('E_DATA_FORMAT', `${file}: ${message}`, { file, problem });
  };
  if (x.dims.length !== 3) fail(images.file, 'rank', `an IDX image file has rank 3 [n, h, w], this one has dimensions [${x.dims}].`);
  if (y.dims.length !== 1) fail(labels.file, 'rank', `an IDX label file has rank 1 [n], this one has dimensions [${y.dims}].`);
  const [n, h, w] = x.dims;
  if (y.dims[0] !== n) {
    fail(
      `${images.file} + ${labels.file}`,
      'count-mismatch',
      `${n} images but ${y.dims[0]} labels; use the label file that belongs to these images.`,
    );
  }
  if (n === 0 || h === 0 || w === 0) {
    throw new NtkError('E_DATA_EMPTY', `${images.file}: the IDX image file holds no pixels (dimensions [${x.dims}]).`, {
      file: images.file,
    });
  }
  return new ImageDataset({
    name: options.name,
    images: x.data,
    labels: y.data,
    shape: [1, h, w],
    classes: options.classes,
    origin: labels.file,
  });
}
