// Per-sample random streams of an evaluation attack: sample `id` of attack `name` (and run: target
// rank, restart) draws from its own Philox stream keyed by (seed, name, run) with stream = id, so a
// sample's attack is the same whichever attacks ran before, whichever other samples share its batch
// and whether a cascade dropped samples already broken (AutoAttack's per-sample early stop).

import { check } from '../errors.js';
import { Rng } from '../random/rng.js';

/** The random source of an attack: one Rng for the whole batch (training) or per-sample streams (evaluation). */
export type AttackRandom = Rng | SampleStreams;

/** A 53-bit key from a seed and a text (FNV-1a over the UTF-16 units, two 32-bit lanes). */
function deriveSeed(seed: number, text: string): number {
  let lo = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  let hi = (0x01000193 ^ Math.floor(seed / 2 ** 32)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    lo = Math.imul(lo ^ text.charCodeAt(i), 0x01000193) >>> 0;
    hi = Math.imul(hi ^ text.charCodeAt(i) ^ (lo >>> 7), 0x01000193) >>> 0;
  }
  return (hi & 0x1fffff) * 2 ** 32 + lo;
}

/** One random stream per sample of a batch (rows in the batch's order), for one attack and run. */
export class SampleStreams {
  private readonly rows: Rng[];

  /** `ids`: the samples' indices in their data set (the stream numbers); `name`: the attack (e.g. its threat name). */
  constructor(
    readonly seed: number,
    readonly name: string,
    readonly ids: Uint32Array,
  ) {
    const key = deriveSeed(seed, name);
    this.rows = Array.from(ids, (id) => new Rng(key, id));
  }

  /** The streams of run (target `rank`, `restart`) of this attack: independent of the other runs'. */
  forRun(rank: number, restart: number): SampleStreams {
    return rank === 0 && restart === 0 ? this : new SampleStreams(this.seed, `${this.name}|t${rank}|r${restart}`, this.ids);
  }

  /** Sample `row`'s own generator. */
  row(row: number): Rng {
    return this.rows[row];
  }

  /** `count` = rows × k floats uniform in [lo, hi): k from each row's stream, row-major. */
  uniform(count: number, lo = 0, hi = 1): Float32Array {
    return this.perRow(count, (rng, k) => rng.uniform(k, lo, hi));
  }

  /** `count` = rows × k standard normal floats, k from each row's stream, row-major. */
  normal(count: number): Float32Array {
    return this.perRow(count, (rng, k) => rng.normal(k));
  }

  private perRow(count: number, draw: (rng: Rng, k: number) => Float32Array): Float32Array {
    const n = this.rows.length;
    check(n > 0 && count % n === 0, `SampleStreams: ${count} draws do not split evenly over ${n} samples`);
    const k = count / n;
    const out = new Float32Array(count);
    this.rows.forEach((rng, i) => out.set(draw(rng, k), i * k));
    return out;
  }
}
