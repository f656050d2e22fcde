// Reads a shader's dispatch layout from its WGSL (its own file and the lib files it includes): the
// uniform `struct Params` fields (u32, i32, f32; fields named pad, pad0, pad1, ... are padding), the bindings of
// group 0 in order, and the op codes of each `override NAME: u32` that selects a branch (constants
// `const NAME_CODE = <n>u;`: each a `case` where a switch on NAME selects, and never a literal in
// place of one, so the shader and the TypeScript table cannot disagree). scripts/codegen.mjs emits them as TypeScript
// (src/generated/shader_layouts.ts); a layout it cannot trust throws, naming the file and line.

const PARAM_TYPES = new Set(['u32', 'i32', 'f32']);

/** Throws the build error for `file` at the line of `offset` in `text`. */
function fail(file, text, offset, message) {
  const line = text.slice(0, offset).split('\n').length;
  throw new Error(`${file}:${line}: ${message}`);
}

/** The text with `//` comments blanked (same length, so offsets keep their lines). */
function withoutComments(text) {
  return text.replace(/\/\/[^\n]*/g, (c) => ' '.repeat(c.length));
}

/** The Params fields of one file, or null when it declares none. */
function paramsOf(file, text) {
  const structs = [...text.matchAll(/\bstruct\s+Params\s*\{([^}]*)\}/g)];
  if (structs.length > 1) fail(file, text, structs[1].index, 'second `struct Params`; a shader has one.');
  if (structs.length === 0) return null;
  const body = structs[0][1];
  const bodyStart = structs[0].index + structs[0][0].indexOf('{') + 1;
  const fields = [];
  let offset = bodyStart;
  for (const part of body.split(',')) {
    const at = offset + (part.length - part.trimStart().length);
    offset += part.length + 1;
    if (part.trim() === '') continue;
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z0-9_<>]+)\s*$/.exec(part);
    if (!m) fail(file, text, at, `cannot read the Params field "${part.trim()}"; write \`name: u32\` (or i32, f32).`);
    const [, name, type] = m;
    if (!PARAM_TYPES.has(type))
      fail(file, text, at, `Params field "${name}" has type ${type}; the packer knows u32, i32 and f32 (4-byte scalars).`);
    if (fields.some((f) => f[0] === name)) fail(file, text, at, `Params field "${name}" declared twice.`);
    fields.push([name, type]);
  }
  return fields;
}

/** The group-0 bindings of one file: { index, name, kind, type, offset }. */
function bindingsOf(file, text) {
  const out = [];
  for (const m of text.matchAll(/@group\((\d+)\)\s*@binding\((\d+)\)\s*var\s*(?:<([^>]*)>)?\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^;]+);/g)) {
    const [, group, index, space, name, type] = m;
    if (group !== '0') fail(file, text, m.index, `binding "${name}" is in group ${group}; dispatch binds group 0 only.`);
    const access = (space ?? '').split(',').map((s) => s.trim());
    let kind;
    if (access[0] === 'uniform') kind = 'uniform';
    else if (access[0] === 'storage' && (access[1] ?? 'read') === 'read') kind = 'read';
    else if (access[0] === 'storage' && access[1] === 'read_write') kind = 'read_write';
    else if (space === undefined && /^texture_2d<f32>$/.test(type.trim())) kind = 'texture';
    else
      fail(file, text, m.index, `binding "${name}" (var<${space ?? ''}> ${type.trim()}) is neither storage, uniform nor texture_2d<f32>.`);
    if (kind === 'uniform' && type.trim() !== 'Params') fail(file, text, m.index, `uniform "${name}" must have type Params.`);
    out.push({ index: Number(index), name, kind, offset: m.index, file, text });
  }
  return out;
}

/** The op codes of each `override NAME: u32` with `const NAME_CODE = <n>u` constants: { NAME: { code: n } }. */
function codesOf(file, text) {
  const codes = {};
  for (const o of text.matchAll(/\boverride\s+([A-Z][A-Z0-9_]*)\s*:\s*u32\b/g)) {
    const family = o[1];
    const table = {};
    const seen = new Map();
    const isSwitch = new RegExp(`\\bswitch\\s+${family}\\b`).test(text);
    for (const c of text.matchAll(new RegExp(`\\bconst\\s+${family}_([A-Z][A-Z0-9_]*)\\s*(?::\\s*u32\\s*)?=\\s*(\\d+)u\\s*;`, 'g'))) {
      const [, upper, value] = c;
      const key = upper.toLowerCase().replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase());
      if (seen.has(Number(value)))
        fail(file, text, c.index, `${family}_${upper} repeats code ${value} of ${family}_${seen.get(Number(value))}.`);
      seen.set(Number(value), upper);
      if (isSwitch && !new RegExp(`\\bcase\\s+${family}_${upper}\\s*:`).test(text))
        fail(file, text, c.index, `${family}_${upper} is no \`case\` of the switch on ${family}.`);
      table[key] = Number(value);
    }
    if (Object.keys(table).length === 0) continue;
    const literal = isSwitch
      ? new RegExp(`\\bswitch\\s+${family}\\s*\\{[^]*?\\bcase\\s+\\d`).exec(text)
      : new RegExp(`\\b${family}\\s*(?:==|!=|<=|>=|<|>)\\s*\\d|\\d+u?\\s*(?:==|!=|<=|>=|<|>)\\s*${family}\\b`).exec(text);
    if (literal)
      fail(
        file,
        text,
        literal.index,
        `${family} is compared with a number; use the ${family}_* constants (they are the TypeScript table).`,
      );
    codes[family] = table;
  }
  return codes;
}

/**
 * The layout of shader `name` from its own source and its included lib files ([{ file, source }]):
 * { params: [[field, type]], bindings: [[name, kind]] (by binding index; the uniform last), codes }.
 */
export function shaderLayout(name, own, included) {
  const files = [own, ...included].map(({ file, source }) => ({ file, text: withoutComments(source) }));
  let params = null;
  let paramsFile = null;
  const bindings = [];
  const codes = {};
  for (const { file, text } of files) {
    const p = paramsOf(file, text);
    if (p && params) fail(file, text, text.indexOf('struct Params'), `second \`struct Params\` (the first is in ${paramsFile}).`);
    if (p) [params, paramsFile] = [p, file];
    bindings.push(...bindingsOf(file, text));
    Object.assign(codes, codesOf(file, text));
  }
  bindings.sort((a, b) => a.index - b.index);
  bindings.forEach((b, i) => {
    const earlier = bindings.find((e) => e !== b && e.index === b.index);
    if (earlier && bindings.indexOf(earlier) < i)
      fail(b.file, b.text, b.offset, `binding ${b.index} ("${b.name}") is also bound to "${earlier.name}" (${earlier.file}).`);
    if (bindings.some((e, j) => j < i && e.name === b.name)) fail(b.file, b.text, b.offset, `two bindings named "${b.name}".`);
    if (b.index !== i)
      fail(b.file, b.text, b.offset, `binding ${b.index} ("${b.name}") leaves binding ${i} unused; number the bindings 0, 1, 2, ...`);
    if (b.kind === 'uniform' && i !== bindings.length - 1)
      fail(b.file, b.text, b.offset, `the uniform "${b.name}" must be the last binding (dispatch binds it after the buffers).`);
  });
  const uniform = bindings.find((b) => b.kind === 'uniform');
  if (uniform && !params) fail(uniform.file, uniform.text, uniform.offset, 'uniform of type Params but no `struct Params`.');
  if (params && !uniform)
    throw new Error(`${paramsFile}: \`struct Params\` is declared but no binding is \`var<uniform> p: Params\` (shader ${name}).`);
  return { params: params ?? [], bindings: bindings.map((b) => [b.name, b.kind]), codes };
}
