// Packs a shader's uniform Params struct: a list of 4-byte fields in declaration order,
// padded to 16 bytes as WGSL's uniform layout requires.

export type ParamField = ['u32' | 'i32' | 'f32', number];

export function packParams(fields: ParamField[]): ArrayBuffer {
  const bytes = Math.ceil((fields.length * 4) / 16) * 16;
  const buffer = new ArrayBuffer(bytes);
  const view = new DataView(buffer);
  fields.forEach(([type, value], i) => {
    if (type === 'f32') view.setFloat32(i * 4, value, true);
    else if (type === 'i32') view.setInt32(i * 4, value, true);
    else view.setUint32(i * 4, value, true);
  });
  return buffer;
}

/** Splits `groups` workgroups over x and y so neither exceeds `maxPerDim`. */
export function grid2d(groups: number, maxPerDim: number): [number, number] {
  if (groups <= maxPerDim) return [Math.max(1, groups), 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}
