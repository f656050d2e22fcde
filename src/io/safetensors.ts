// The safetensors container (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
// little-endian data. Encoding and strict decoding only; no file access here.

import { NtkError } from '../errors.js';

/** One f32 tensor of a safetensors file: its shape and row-major data. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** A safetensors file's tensors by name and its string metadata (`__metadata__`). */
export interface SafetensorsContent {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

/** Encodes F32 tensors (in the map's order) and string metadata. */
export function encodeSafetensors(content: SafetensorsContent): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: content.metadata };
  let offset = 0;
  for (const [name, t] of content.tensors) {
    if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) {
      throw new NtkError('E_SHAPE_MISMATCH', `tensor "${name}": ${t.data.length} values do not fill shape [${t.shape}]`);
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // data starts 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of content.tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** Decodes and validates every field; any inconsistency is E_CHECKPOINT_CORRUPT naming `source`. */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContent {
  const corrupt = (problem: string): never => {
    throw new NtkError('E_CHECKPOINT_CORRUPT', `${source}: ${problem}; the file is not a valid checkpoint (re-create it or use an earlier one).`, { source });
  };
  if (bytes.length < 8) corrupt(`only ${bytes.length} bytes, shorter than the 8-byte header length`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength < 2 || 8 + headerLength > bytes.length) corrupt(`header length ${headerLength} does not fit in ${bytes.length} bytes`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    return corrupt(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) corrupt('header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const raw = (header.__metadata__ ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') corrupt(`metadata "${k}" is not a string`);
    metadata[k] = v as string;
  }
  const entries: Array<[string, { shape: number[]; begin: number; end: number }]> = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (v?.dtype !== 'F32') corrupt(`tensor "${name}" has dtype ${JSON.stringify(v?.dtype)}; only F32 is supported`);
    const shape = v.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) corrupt(`tensor "${name}" has a bad shape`);
    const offsets = v.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      corrupt(`tensor "${name}" has bad data_offsets`);
    }
    const [begin, end] = offsets as number[];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLength || end - begin !== count * 4 || begin % 4 !== 0) {
      corrupt(`tensor "${name}": bytes [${begin}, ${end}) do not hold shape [${shape}] within ${dataLength} data bytes`);
    }
    entries.push([name, { shape: shape as number[], begin, end }]);
  }
  const sorted = [...entries].sort((a, b) => a[1].begin - b[1].begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i][1].begin < sorted[i - 1][1].end) corrupt(`tensors "${sorted[i - 1][0]}" and "${sorted[i][0]}" overlap`);
  }
  const tensors = new Map<string, NamedTensor>();
  for (const [name, { shape, begin, end }] of entries) {
    const copy = bytes.slice(dataStart + begin, dataStart + end); // aligned, owned copy
    tensors.set(name, { shape, data: new Float32Array(copy.buffer, 0, (end - begin) / 4) });
  }
  return { tensors, metadata };
}
