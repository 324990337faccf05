/**
 * A small seeded PRNG (mulberry32), so that injected faults and generated tenants repeat for a seed.
 * Not for anything secret.
 */
export type Random = () => number;

/** Returns a generator of floats in [0, 1), fully determined by `seed` (any number; its low 32 bits are used). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes two numbers into one seed, so that a stream per item (user i of seed s) does not depend on the others. */
export function mixSeed(seed: number, n: number): number {
  return finalMix((finalMix((seed ^ 0x9e3779b9) >>> 0) ^ Math.imul(n >>> 0, 0x9e3779b9)) >>> 0);
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
function finalMix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A version-4 shaped GUID drawn from `random`: deterministic for a seed, yet as varied as real object ids. */
export function randomGuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
