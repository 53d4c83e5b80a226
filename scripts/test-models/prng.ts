/** A seeded pseudo-random stream: the same seed always yields the same numbers, on any machine. */
export interface Rng {
  /** A uniform float in [0, 1), with 32 bits of randomness. */
  next(): number;
  /** Fills `out` with uniform values whose standard deviation is `std` (mean 0), and returns it. */
  fill(out: Float32Array, std: number): Float32Array;
}

/**
 * Creates the stream for one named tensor. Deriving it from the seed and the name (not from a single
 * shared stream) keeps each tensor's values stable when other tensors are added, removed or reordered,
 * so the fp32 and q8 files hold the same weights whatever order they are written in.
 */
export function createRng(seed: number, name: string): Rng {
  // FNV-1a over the name, then SplitMix32 to spread the 32-bit seed into four state words.
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) {
    h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  }
  let sm = (h ^ Math.imul(seed >>> 0, 0x9e3779b9)) >>> 0;
  const splitMix = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitMix();
  let b = splitMix();
  let c = splitMix();
  let d = splitMix();

  // xoshiro128**: small, fast in plain integer arithmetic, and good enough for random weights.
  const nextUint = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };

  const next = (): number => nextUint() / 4294967296;

  return {
    next,
    fill(out, std) {
      // A uniform distribution on [-r, r] has standard deviation r / sqrt(3).
      const r = std * Math.sqrt(3);
      for (let i = 0; i < out.length; i++) {
        out[i] = (next() * 2 - 1) * r;
      }
      return out;
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
