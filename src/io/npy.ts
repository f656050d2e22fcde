// NumPy's .npy format (version 1.0) for float64 arrays: the magic "\x93NUMPY", version bytes, a
// little-endian uint16 header length, a Python-dict header ({'descr': '<f8', 'fortran_order':
// False, 'shape': (...), }) padded with spaces and a newline so the data starts at a multiple of
// 64 bytes, then the values in C order. numpy.load reads it; decodeNpy reads it back here.

import { NtkError } from '../errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;

/** The .npy bytes of `data` (float64, C order) with `shape`. */
export function encodeNpy(data: Float64Array, shape: number[]): Uint8Array {
  if (data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new NtkError('E_SHAPE_MISMATCH', `encodeNpy: ${data.length} values do not fill shape [${shape}].`, { shape });
  }
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const header = `${dict}${' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN)}\n`;
  const out = new Uint8Array(MAGIC.length + 4 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1; // major version
  out[7] = 0; // minor version
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const body = new DataView(out.buffer, 10 + header.length);
  data.forEach((v, i) => body.setFloat64(8 * i, v, true));
  return out;
}

/** Reads a version-1.0 little-endian float64 C-order .npy; E_DATA_FORMAT naming `source` otherwise. */
export function decodeNpy(bytes: Uint8Array, source = '.npy'): { shape: number[]; data: Float64Array } {
  const bad = (problem: string): never => {
    throw new NtkError('E_DATA_FORMAT', `${source}: not a float64 .npy file we can read (${problem}).`, { source, problem });
  };
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) bad('no \\x93NUMPY magic');
  if (bytes[6] !== 1) bad(`version ${bytes[6]}.${bytes[7]}`);
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  if (10 + length > bytes.length) bad('header runs past the end');
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + length));
  if (!/'descr':\s*'<f8'/.test(header)) bad(`dtype in ${header.trim()}`);
  if (!/'fortran_order':\s*False/.test(header)) bad('Fortran order');
  const dims = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? bad('no shape');
  const shape = dims
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 10 + length;
  if (bytes.length - start !== 8 * count) bad(`${bytes.length - start} data bytes for shape (${shape})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start);
  return { shape, data: Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, true)) };
}
