/**
 * An immutable map with string keys whose updates cost about O(size / 16) instead of
 * O(size). Deciders must keep every state intact (the command runtime retries a batch
 * from the state it started with), yet a hot event folds tens of thousands of
 * reservations; copying a whole Map per event would make each fold quadratic.
 *
 * Entries live in 2^k buckets chosen by an FNV-1a hash of the key. An update copies the
 * bucket array (references only) and the one bucket it touches; the other buckets are
 * shared with the previous version. The bucket count doubles as the map grows, so a
 * bucket holds about 8–16 entries.
 *
 * Iteration order is deterministic (by bucket, then insertion within a bucket) but is
 * not insertion order; keep a separate list where order matters.
 */
export class PersistentMap<K extends string, V> implements Iterable<[K, V]> {
  private static readonly MAX_LOAD = 16;

  private constructor(
    private readonly buckets: readonly (ReadonlyMap<K, V> | undefined)[],
    readonly size: number,
  ) {}

  static empty<K extends string, V>(): PersistentMap<K, V> {
    return new PersistentMap<K, V>([undefined], 0);
  }

  static from<K extends string, V>(entries: Iterable<readonly [K, V]>): PersistentMap<K, V> {
    const all = new Map<K, V>(entries);
    return PersistentMap.build(all, bucketCountFor(all.size));
  }

  get(key: K): V | undefined {
    return this.buckets[this.indexOf(key)]?.get(key);
  }

  has(key: K): boolean {
    return this.buckets[this.indexOf(key)]?.has(key) ?? false;
  }

  set(key: K, value: V): PersistentMap<K, V> {
    const index = this.indexOf(key);
    const bucket = this.buckets[index];
    const size = bucket?.has(key) === true ? this.size : this.size + 1;
    if (size > this.buckets.length * PersistentMap.MAX_LOAD) {
      return PersistentMap.build(new Map([...this, [key, value]]), this.buckets.length * 2);
    }
    const nextBucket = new Map(bucket);
    nextBucket.set(key, value);
    return this.withBucket(index, nextBucket, size);
  }

  delete(key: K): PersistentMap<K, V> {
    const index = this.indexOf(key);
    const bucket = this.buckets[index];
    if (bucket?.has(key) !== true) return this;
    const nextBucket = new Map(bucket);
    nextBucket.delete(key);
    return this.withBucket(index, nextBucket.size > 0 ? nextBucket : undefined, this.size - 1);
  }

  /** A new map with every value replaced by `update(value, key)`, in one O(size) pass. */
  mapValues(update: (value: V, key: K) => V): PersistentMap<K, V> {
    const buckets = this.buckets.map((bucket) => {
      if (bucket === undefined) return undefined;
      return new Map([...bucket].map(([key, value]) => [key, update(value, key)] as [K, V]));
    });
    return new PersistentMap(buckets, this.size);
  }

  *entries(): IterableIterator<[K, V]> {
    for (const bucket of this.buckets) {
      if (bucket !== undefined) yield* bucket.entries();
    }
  }

  *keys(): IterableIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  private indexOf(key: K): number {
    return fnv1a(key) & (this.buckets.length - 1);
  }

  private withBucket(index: number, bucket: ReadonlyMap<K, V> | undefined, size: number): PersistentMap<K, V> {
    const buckets = this.buckets.slice();
    buckets[index] = bucket;
    return new PersistentMap(buckets, size);
  }

  private static build<K extends string, V>(entries: Map<K, V>, bucketCount: number): PersistentMap<K, V> {
    const buckets: (Map<K, V> | undefined)[] = new Array(bucketCount).fill(undefined);
    for (const [key, value] of entries) {
      const index = fnv1a(key) & (bucketCount - 1);
      (buckets[index] ??= new Map()).set(key, value);
    }
    return new PersistentMap(buckets, entries.size);
  }
}

function bucketCountFor(size: number): number {
  let count = 1;
  while (size > count * 16) count *= 2;
  return count;
}

/** 32-bit FNV-1a over UTF-16 code units: fast, deterministic, well spread for uuids. */
function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
