// The safetensors container (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
// little-endian data. F32 and F64 tensors. Our files carry a CRC-32 of the header and the data in
// the metadata (`crc32`), verified on decoding. Encoding and strict decoding only; no file access.

import { NtkError } from '../errors.js';
import { crc32Hex } from './crc32.js';

/** One tensor of a safetensors file (f32 by default, or f64): its shape and row-major data. */
export interface NamedTensor<D extends Float32Array | Float64Array = Float32Array> {
  shape: number[];
  data: D;
}

/** A safetensors file's tensors by name and its string metadata (`__metadata__`). */
export interface SafetensorsContent {
  tensors: Map<string, NamedTensor<Float32Array | Float64Array>>;
  /** String metadata (without the `crc32` field, which encoding adds and decoding verifies). */
  metadata: Record<string, string>;
}

/** The largest JSON header decoding accepts (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;
/** The metadata field holding the checksum (CRC-32 of the header without it, then the data). */
export const CHECKSUM_FIELD = 'crc32';

const DTYPES = { F32: Float32Array, F64: Float64Array } as const;

/** Encodes tensors (F64 ones first, then F32, each group in the map's order) and string metadata, with the checksum field added. */
export function encodeSafetensors(content: SafetensorsContent): Uint8Array {
  if (CHECKSUM_FIELD in content.metadata) {
    throw new NtkError('E_INVALID_ARGUMENT', `safetensors: metadata field "${CHECKSUM_FIELD}" is reserved for the checksum.`, {
      field: CHECKSUM_FIELD,
    });
  }
  const metadata: Record<string, string> = { ...content.metadata };
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const data: Uint8Array[] = [];
  // F64 tensors first, so every tensor starts at a multiple of its element size (the format allows no holes).
  const ordered = [...content.tensors].sort(([, a], [, b]) => b.data.BYTES_PER_ELEMENT - a.data.BYTES_PER_ELEMENT);
  for (const [name, t] of ordered) {
    if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) {
      throw new NtkError('E_SHAPE_MISMATCH', `tensor "${name}": ${t.data.length} values do not fill shape [${t.shape}]`);
    }
    const dtype = t.data instanceof Float64Array ? 'F64' : 'F32';
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
    data.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  metadata[CHECKSUM_FIELD] = crc32Hex([new TextEncoder().encode(JSON.stringify(header)), ...data]);
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // data starts 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const bytes of data) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/**
 * Decodes and validates every field and, when present, the checksum (`checksummed` says whether
 * it was); any inconsistency is E_CHECKPOINT_CORRUPT naming `source`.
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContent & { checksummed: boolean } {
  const corrupt = (problem: string): never => {
    throw new NtkError(
      'E_CHECKPOINT_CORRUPT',
      `${source}: ${problem}; the file is not a valid checkpoint (re-create it or use an earlier one).`,
      { source },
    );
  };
  if (bytes.length < 8) corrupt(`only ${bytes.length} bytes, shorter than the 8-byte header length`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) corrupt(`header length ${headerLength} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const dataStart = 8 + Number(headerLength);
  if (headerLength < 2n || dataStart > bytes.length) corrupt(`header length ${headerLength} does not fit in ${bytes.length} bytes`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    return corrupt(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) corrupt('header is not a JSON object');
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const raw = header.__metadata__ ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) corrupt('__metadata__ is not an object');
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') corrupt(`metadata "${k}" is not a string`);
    if (k !== CHECKSUM_FIELD) metadata[k] = v as string;
  }
  const entries: Array<[string, { dtype: keyof typeof DTYPES; shape: number[]; begin: number; end: number }]> = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = v?.dtype;
    if (dtype !== 'F32' && dtype !== 'F64')
      return corrupt(`tensor "${name}" has dtype ${JSON.stringify(v?.dtype)}; only F32 and F64 are supported`);
    const shape = v.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) corrupt(`tensor "${name}" has a bad shape`);
    const offsets = v.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      corrupt(`tensor "${name}" has bad data_offsets`);
    }
    const [begin, end] = offsets as number[];
    const width = DTYPES[dtype].BYTES_PER_ELEMENT;
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLength || end - begin !== count * width || begin % width !== 0) {
      corrupt(`tensor "${name}": bytes [${begin}, ${end}) do not hold ${dtype} shape [${shape}] within ${dataLength} data bytes`);
    }
    entries.push([name, { dtype, shape: shape as number[], begin, end }]);
  }
  const sorted = [...entries].sort((a, b) => a[1].begin - b[1].begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i][1].begin < sorted[i - 1][1].end) corrupt(`tensors "${sorted[i - 1][0]}" and "${sorted[i][0]}" overlap`);
  }
  const expected = (raw as Record<string, unknown>)[CHECKSUM_FIELD];
  if (expected !== undefined) {
    const { [CHECKSUM_FIELD]: _checksum, ...rest } = raw as Record<string, unknown>;
    const actual = crc32Hex([new TextEncoder().encode(JSON.stringify({ ...header, __metadata__: rest })), bytes.subarray(dataStart)]);
    if (actual !== expected)
      corrupt(`checksum mismatch (file says ${JSON.stringify(expected)}, contents give "${actual}"): the file was altered or damaged`);
  }
  const tensors = new Map<string, NamedTensor<Float32Array | Float64Array>>();
  for (const [name, { dtype, shape, begin, end }] of entries) {
    // An aligned, owned copy: Uint8Array's slice, also for a Node Buffer (whose own slice is a view of the whole file's memory).
    const copy = Uint8Array.prototype.slice.call(bytes, dataStart + begin, dataStart + end);
    tensors.set(name, { shape, data: new DTYPES[dtype](copy.buffer, 0, (end - begin) / DTYPES[dtype].BYTES_PER_ELEMENT) });
  }
  return { tensors, metadata, checksummed: expected !== undefined };
}
