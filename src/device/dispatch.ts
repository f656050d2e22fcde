// Typed dispatch: a shader's params and bindings by name, checked against the layout the build read
// from its WGSL (src/generated/shader_layouts.ts), so a misspelled or missing field or binding is a
// type error. Packs the params (pad, pad0, pad1, ... fields 0; padded to 16 bytes) and orders the bindings for Gpu.run.

import { check } from '../errors.js';
import type { ShaderName } from '../generated/shaders.js';
import { SHADER_LAYOUTS } from '../generated/shader_layouts.js';

type Layout<S extends ShaderName> = (typeof SHADER_LAYOUTS)[S];

/** A Params field that only pads the struct (`pad`, `pad0`, `pad1`, ...): dispatch writes 0. */
type PadName = 'pad' | `pad${number}`;

/** The Params fields of shader S that dispatch takes by name (every field but the padding). */
export type ParamName<S extends ShaderName> = Exclude<Layout<S>['params'][number][0], PadName>;

/** The buffer bindings of shader S (storage buffers and textures; the uniform is bound by dispatch). */
export type BindingName<S extends ShaderName> = Extract<
  Layout<S>['bindings'][number],
  readonly [string, 'read' | 'read_write' | 'texture']
>[0];

/** A buffer to bind, and how many bytes of it (a Tensor is one). */
export interface Bound {
  readonly buffer: GPUBuffer;
  readonly bytes: number;
}

/** One compute dispatch of shader S by name; Gpu.run records it. */
export interface Dispatch<S extends ShaderName = ShaderName> {
  shader: S;
  /** WGSL `override` constants; part of the pipeline cache key. */
  constants?: Record<string, number | boolean>;
  /** The Params fields by name (the pad, pad0, ... fields are written 0). */
  params: { readonly [K in ParamName<S>]: number };
  /** The buffers by binding name. A `texture_2d<f32>` binding gets an rgba32float texture of rows of
   * TEXTURE_ROW texels holding the buffer's first `bytes` bytes, copied in the dispatch's own command
   * buffer (check Gpu.textureFits first). */
  bindings: { readonly [K in BindingName<S>]: Bound };
  workgroups: [number, number?, number?];
  label: string;
}

/** A binding of a dispatch in binding order. */
export interface OrderedBinding extends Bound {
  asTexture: boolean;
}

/** The op codes of shader `shader` by override, e.g. shaderCodes('map').OP (the `const OP_*` table of its WGSL). */
export function shaderCodes<S extends ShaderName>(shader: S): Layout<S>['codes'] {
  return SHADER_LAYOUTS[shader].codes;
}

/** The Params bytes of a dispatch: each field in declaration order, 4 bytes little-endian, padded to 16 bytes. */
export function packParams<S extends ShaderName>(spec: Dispatch<S>): ArrayBuffer {
  const fields: ReadonlyArray<readonly [string, 'u32' | 'i32' | 'f32']> = SHADER_LAYOUTS[spec.shader].params;
  const values = spec.params as Record<string, number>;
  const buffer = new ArrayBuffer(Math.ceil((fields.length * 4) / 16) * 16);
  const view = new DataView(buffer);
  fields.forEach(([name, type], i) => {
    const value = /^pad\d*$/.test(name) ? 0 : values[name];
    if (typeof value !== 'number') check(false, `${spec.label}: param "${name}" of ${spec.shader} is missing.`); // message built only on failure (hot path)
    if (type === 'f32') view.setFloat32(i * 4, value, true);
    else if (type === 'i32') view.setInt32(i * 4, value, true);
    else view.setUint32(i * 4, value, true);
  });
  return buffer;
}

/** The buffer bindings of a dispatch in binding order (the uniform, last, is not among them). */
export function orderBindings<S extends ShaderName>(spec: Dispatch<S>): OrderedBinding[] {
  const given = spec.bindings as Record<string, Bound>;
  return SHADER_LAYOUTS[spec.shader].bindings
    .filter(([, kind]) => kind !== 'uniform')
    .map(([name, kind]) => {
      const bound = given[name];
      if (bound === undefined) check(false, `${spec.label}: binding "${name}" of ${spec.shader} is missing.`); // message built only on failure
      return { buffer: bound.buffer, bytes: bound.bytes, asTexture: kind === 'texture' };
    });
}
