/**
 * A fast, seeded pseudo-random number generator (sfc32) with the distributions the simulation needs, and UUIDs
 * drawn from it, so that a seed reproduces the output byte for byte.
 *
 * `Math.random` and `crypto.randomUUID` are never used by the simulation: both are unseedable.
 *
 * @module
 */

/** Mix 32-bit words into one well-distributed 32-bit word (murmur3's finalizer over a running hash). */
export function hash32(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    let k = Math.imul(w | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Four hex digits for every 16-bit value: a UUID is 8 lookups. */
const HEX4: string[] = Array.from({ length: 65536 }, (_, i) => i.toString(16).padStart(4, "0"));
const TWO_POW_32 = 4294967296;

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, period >= 2^32. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spareNormal: number | null = null;

  /** A generator seeded from any number of 32-bit words (e.g. seed, world genesis, minute). */
  constructor(...seed: number[]) {
    this.#a = hash32(1, ...seed);
    this.#b = hash32(2, ...seed);
    this.#c = hash32(3, ...seed);
    this.#d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const a = this.#a, b = this.#b, c = this.#c, d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    this.#c = ((c << 21) | (c >>> 11)) + t | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.u32() / TWO_POW_32;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** A uniform integer in [lo, hi] (both inclusive). */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A uniform element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** An index drawn from cumulative weights (ascending, last = total). */
  weighted(cumulative: ArrayLike<number>): number {
    const n = cumulative.length;
    const x = this.float() * cumulative[n - 1]!;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** Standard normal (Marsaglia's polar method). */
  normal(): number {
    if (this.#spareNormal !== null) {
      const s = this.#spareNormal;
      this.#spareNormal = null;
      return s;
    }
    let u: number, v: number, s: number;
    do {
      u = this.float() * 2 - 1;
      v = this.float() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt(-2 * Math.log(s) / s);
    this.#spareNormal = v * f;
    return u * f;
  }

  /** Log-normal: exp(N(mu, sigma)). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Pareto with scale xm and shape alpha (heavy-tailed for small alpha). */
  pareto(xm: number, alpha: number): number {
    return xm / Math.pow(1 - this.float(), 1 / alpha);
  }

  /** Poisson-distributed count with mean lambda (exact for lambda < 30, normal approximation above). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0, p = this.float();
      while (p > limit) {
        k++;
        p *= this.float();
      }
      return k;
    }
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
  }

  /** A version-4-shaped UUID drawn from this generator (reproducible, unlike crypto.randomUUID). */
  uuid(): string {
    const a = this.u32(), b = this.u32(), c = this.u32(), d = this.u32();
    return HEX4[a >>> 16]! + HEX4[a & 0xffff]! + "-" + HEX4[b >>> 16]! + "-" + HEX4[0x4000 | (b & 0x0fff)]! + "-" +
      HEX4[0x8000 | ((c >>> 16) & 0x3fff)]! + "-" + HEX4[c & 0xffff]! + HEX4[d >>> 16]! + HEX4[d & 0xffff]!;
  }
}
