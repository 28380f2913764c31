import { describe, expect, it } from 'vitest';
import { isoInstant } from '../../src/platform/time/iso-instant.js';

describe('isoInstant', () => {
  it('writes exactly what Date#toISOString writes, over the whole range and its edges', () => {
    const edges = [0, -1, 1, 951_782_400_000 /* 2000-02-29 */, 4_107_542_399_999 /* 2100-02-28T23:59:59.999 */, 4_107_542_400_000, -62_167_219_200_000, 253_402_300_799_999, -62_167_219_200_001, 253_402_300_800_000, 8.64e15, -8.64e15];
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const samples = [...edges, ...Array.from({ length: 20_000 }, () => Math.floor((random() - 0.5) * 2 * 253_402_300_799_999))];
    for (const ms of samples) expect(isoInstant(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('leaves values toISOString refuses to toISOString (it throws)', () => {
    expect(() => isoInstant(Number.NaN)).toThrow(RangeError);
    expect(() => isoInstant(8.64e15 + 1)).toThrow(RangeError);
  });
});
