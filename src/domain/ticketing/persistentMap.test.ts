import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PersistentMap } from './persistentMap.js';

type Op = { kind: 'set'; key: string; value: number } | { kind: 'delete'; key: string } | { kind: 'double' };

// A small key space so that updates and deletes hit existing keys often.
const key = fc.integer({ min: 0, max: 300 }).map((n) => `k${n}`);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('double' as const) }) },
);

const sorted = (entries: Iterable<[string, number]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : 1));

describe('PersistentMap', () => {
  it('behaves like a Map, and every earlier version stays as it was', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 600 }), (ops) => {
        let map = PersistentMap.empty<string, number>();
        const model = new Map<string, number>();
        const versions: { map: PersistentMap<string, number>; entries: [string, number][] }[] = [];
        for (const op of ops) {
          versions.push({ map, entries: sorted(model) });
          if (op.kind === 'set') {
            map = map.set(op.key, op.value);
            model.set(op.key, op.value);
          } else if (op.kind === 'delete') {
            map = map.delete(op.key);
            model.delete(op.key);
          } else {
            map = map.mapValues((value) => value * 2);
            for (const [k, v] of model) model.set(k, v * 2);
          }
          expect(map.size).toBe(model.size);
        }
        expect(sorted(map)).toEqual(sorted(model));
        for (const [k, v] of model) {
          expect(map.get(k)).toBe(v);
          expect(map.has(k)).toBe(true);
        }
        expect(map.has('absent')).toBe(false);
        for (const version of versions) expect(sorted(version.map)).toEqual(version.entries);
      }),
      { numRuns: 100 },
    );
  });

  it('builds from entries and iterates keys and values consistently', () => {
    const map = PersistentMap.from(Array.from({ length: 100 }, (_, i) => [`id-${i}`, i] as const));
    expect(map.size).toBe(100);
    expect([...map.keys()].length).toBe(100);
    expect([...map.values()].reduce((a, b) => a + b, 0)).toBe(4950);
    expect(map.get('id-42')).toBe(42);
  });

  it('returns the same map when deleting a missing key', () => {
    const map = PersistentMap.empty<string, number>().set('a', 1);
    expect(map.delete('b')).toBe(map);
  });
});
