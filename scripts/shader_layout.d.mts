// Types of scripts/shader_layout.mjs, for the unit tests that call it.

export interface ShaderLayout {
  params: Array<[string, 'u32' | 'i32' | 'f32']>;
  bindings: Array<[string, 'read' | 'read_write' | 'texture' | 'uniform']>;
  codes: Record<string, Record<string, number>>;
}

export function shaderLayout(name: string, own: { file: string; source: string }, included: Array<{ file: string; source: string }>): ShaderLayout;
