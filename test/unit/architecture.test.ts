// The import rules of ARCHITECTURE (as src/ lays them out): every module imports only from its own
// layer or lower ones (platform -> device -> tensor -> ops -> nn/ntk -> attacks/train/report -> run
// -> cli/worker -> api), folders never import each other round about, GPU programs are dispatched only
// in ops/ and device/, and only src/platform/ uses Node globals or asks which runtime it runs in.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Layer of each top-level entry of src/ (directories and root files); lower numbers are lower layers. */
const LAYERS: Record<string, number> = {
  errors: 0,
  options: 0,
  version: 0,
  generated: 0,
  platform: 0,
  random: 0,
  io: 0,
  device: 1,
  linalg: 1,
  tensor: 2,
  ops: 3,
  nn: 4,
  data: 4,
  optim: 4,
  ntk: 5,
  attacks: 5,
  reference: 5,
  train: 6,
  report: 6,
  run: 7,
  experiments: 8,
  cli: 8,
  worker: 8,
  api: 9,
  index: 10,
  internal: 10,
};

const SRC = join(process.cwd(), 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level entry of src/ a path is in: its first directory, or the root file's name. */
const entryOf = (path: string): string => relative(SRC, path).split('/')[0].replace(/\.ts$/, '');

describe('architecture', () => {
  const files = sources(SRC);

  it('every top-level entry of src/ has a layer', () => {
    expect(files.map(entryOf).filter((e) => !(e in LAYERS))).toEqual([]);
  });

  it('imports go to the same layer or lower ones', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = entryOf(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^;]*?from '(\.[^']+)'/gms)) {
        const to = entryOf(join(file, '..', m[1]));
        if (LAYERS[to] > LAYERS[from])
          upward.push(`${relative(SRC, file)} imports ${m[1]} (${from} ${LAYERS[from]} -> ${to} ${LAYERS[to]})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('no loops between top-level entries (two folders of one layer never import each other, directly or round about)', () => {
    const edges = new Map<string, Set<string>>();
    for (const file of files) {
      const from = entryOf(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^;]*?from '(\.[^']+)'/gms)) {
        const to = entryOf(join(file, '..', m[1]));
        if (to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    const loops: string[] = [];
    const reaches = (start: string, target: string, path: string[], seen: Set<string>): string[] | null => {
      for (const next of edges.get(start) ?? []) {
        if (next === target) return [...path, next];
        if (seen.has(next)) continue;
        seen.add(next);
        const found = reaches(next, target, [...path, next], seen);
        if (found) return found;
      }
      return null;
    };
    for (const entry of edges.keys()) {
      const loop = reaches(entry, entry, [entry], new Set());
      if (loop) loops.push(loop.join(' -> '));
    }
    expect(loops).toEqual([]);
  });

  it('GPU programs are dispatched only in ops/ and device/ (gpu.run)', () => {
    const dispatching = files
      .filter((f) => !['ops', 'device'].includes(entryOf(f)) && /\.run\(\{/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(dispatching).toEqual([]);
  });

  it('Node globals and node: modules only in src/platform/ (the rest runs unchanged in Deno, browsers and Workers)', () => {
    const nodeOnly = /\bprocess\.|\bBuffer\.|\brequire\(|__dirname|__filename|'node:|\bsetImmediate\(|\bglobal\./;
    const found = files
      .filter((f) => !['platform', 'generated'].includes(entryOf(f)))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => [line, i] as const)
          .filter(([line]) => nodeOnly.test(line.replace(/\/\/.*$/, '')))
          .map(([line, i]) => `${relative(SRC, f)}:${i + 1}: ${line.trim()}`),
      );
    expect(found).toEqual([]);
  });

  it('only src/platform/ asks which runtime it runs in', () => {
    const checks = /typeof Deno|globalThis\.Deno|'Deno' in|process\.versions|navigator\.userAgent|\.runtime\s*[!=]==/;
    const found = files
      .filter((f) => entryOf(f) !== 'platform')
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => [line, i] as const)
          .filter(([line]) => checks.test(line))
          .map(([line, i]) => `${relative(SRC, f)}:${i + 1}: ${line.trim()}`),
      );
    expect(found).toEqual([]);
  });
});
