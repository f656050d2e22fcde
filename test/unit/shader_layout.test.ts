// The build's reading of each shader's dispatch layout (scripts/shader_layout.mjs): Params fields,
// bindings and op codes as codegen emits them, and the build errors (naming file and line) for
// layouts dispatch could not trust.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shaderLayout } from '../../scripts/shader_layout.mjs';

const layout = (source: string, included: Array<{ file: string; source: string }> = []) =>
  shaderLayout('s', { file: 'shaders/s.wgsl', source }, included);

const MAP_LIKE = `override OP: u32 = 0u;
const OP_ONE = 0u;
const OP_TWO_WORDS = 1u;
struct Params {
  n: u32, // count
  scale: f32, shift: i32, pad0: u32,
}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
fn f(x: f32) -> f32 { switch OP { case OP_ONE: { return x; } case OP_TWO_WORDS: { return 2.0 * x; } default: { return x; } } }
`;

describe('shader layouts (scripts/shader_layout.mjs)', () => {
  it('reads Params fields with types, bindings by index with their kind, and the op codes', () => {
    expect(layout(MAP_LIKE)).toEqual({
      params: [
        ['n', 'u32'],
        ['scale', 'f32'],
        ['shift', 'i32'],
        ['pad0', 'u32'],
      ],
      bindings: [
        ['X', 'read'],
        ['Y', 'read_write'],
        ['p', 'uniform'],
      ],
      codes: { OP: { one: 0, twoWords: 1 } },
    });
  });

  it('merges an included file (its Params and bindings) and reads texture bindings', () => {
    const own = '@group(0) @binding(0) var A: texture_2d<f32>;\n@group(0) @binding(1) var<storage, read> B: array<f32>;\n';
    const lib = { file: 'shaders/lib/core.wgsl', source: 'struct Params { m: u32 }\n@group(0) @binding(2) var<uniform> p: Params;\n' };
    expect(layout(own, [lib])).toEqual({
      params: [['m', 'u32']],
      bindings: [
        ['A', 'texture'],
        ['B', 'read'],
        ['p', 'uniform'],
      ],
      codes: {},
    });
  });

  it('reads codes compared by name outside a switch (NORM == NORM_LINF)', () => {
    const source =
      'override NORM: u32 = 0u;\nconst NORM_LINF = 0u;\nconst NORM_L2 = 1u;\nfn linf() -> bool { return NORM == NORM_LINF; }\n';
    expect(layout(source).codes).toEqual({ NORM: { linf: 0, l2: 1 } });
  });

  it('reads the real map shader: MAP_OPS comes from its OP_* constants', () => {
    const source = readFileSync(new URL('../../shaders/map.wgsl', import.meta.url), 'utf8');
    const { codes, params } = shaderLayout('map', { file: 'shaders/map.wgsl', source }, []);
    expect(Object.keys(codes.OP ?? {})).toEqual([
      'affine',
      'relu',
      'exp',
      'log',
      'tanh',
      'abs',
      'square',
      'sqrt',
      'sigmoid',
      'sign',
      'clamp',
      'reciprocal',
    ]);
    expect(params.map(([name]) => name)).toEqual(['n', 'rowStride', 'alpha', 'beta']);
  });

  it.each([
    [
      'an unknown Params type',
      MAP_LIKE.replace('scale: f32', 'scale: vec2<f32>'),
      /^shaders\/s\.wgsl:6: Params field "scale" has type vec2<f32>/,
    ],
    [
      'a duplicate binding',
      MAP_LIKE.replace('@binding(1) var<storage, read_write> Y', '@binding(0) var<storage, read_write> Y'),
      /^shaders\/s\.wgsl:9: binding 0 \("Y"\) is also bound to "X"/,
    ],
    [
      'a gap in the bindings',
      MAP_LIKE.replace('@binding(2) var<uniform>', '@binding(3) var<uniform>'),
      /^shaders\/s\.wgsl:10: binding 3 \("p"\) leaves binding 2 unused/,
    ],
    [
      'the uniform before a buffer',
      MAP_LIKE.replace('@binding(2) var<uniform>', '@binding(5) var<uniform>')
        .replace('@binding(1)', '@binding(2)')
        .replace('@binding(5)', '@binding(1)'),
      /uniform "p" must be the last binding/,
    ],
    [
      'a repeated op code',
      MAP_LIKE.replace('OP_TWO_WORDS = 1u', 'OP_TWO_WORDS = 0u'),
      /^shaders\/s\.wgsl:3: OP_TWO_WORDS repeats code 0 of OP_ONE/,
    ],
    ['an op code with no case', MAP_LIKE.replace('case OP_TWO_WORDS:', 'case 1u:'), /^shaders\/s\.wgsl:3: OP_TWO_WORDS is no `case`/],
    [
      'a literal case in the switch',
      MAP_LIKE.replace('default: {', 'case 2u: { return x; } default: {'),
      /^shaders\/s\.wgsl:11: OP is compared with a number/,
    ],
    [
      'a code compared with a number',
      'override NORM: u32 = 0u;\nconst NORM_LINF = 0u;\nfn f() -> bool { return NORM == 1u; }\n',
      /^shaders\/s\.wgsl:3: NORM is compared with a number/,
    ],
    ['a field declared twice', MAP_LIKE.replace('shift: i32', 'n: i32'), /^shaders\/s\.wgsl:6: Params field "n" declared twice/],
  ])('fails the build on %s, naming the file and line', (_, source, message) => {
    expect(() => layout(source)).toThrow(message);
  });
});
