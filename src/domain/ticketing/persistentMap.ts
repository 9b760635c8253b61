/**
 * An immutable map with string keys whose updates cost O(log32 size) instead of
 * O(size). Deciders must keep every state intact (the command runtime retries a batch
 * from the state it started with), yet a hot event folds tens of thousands of
 * reservations; copying a whole Map per event would make each fold quadratic.
 *
 * Entries live in 2^k buckets chosen by an FNV-1a hash of the key; a bucket is a small
 * array of entries (about 8–16) and the buckets are the leaves of a 32-way trie over the
 * bucket index. An update copies the trie path to its bucket (a few 32-slot arrays) and
 * that bucket; everything else is shared with the previous version. The bucket count
 * doubles as the map grows.
 *
 * Iteration order is deterministic (by bucket, then insertion within a bucket) but is
 * not insertion order; keep a separate list where order matters.
 */
type Entry<K, V> = readonly [K, V];
type Bucket<K, V> = readonly Entry<K, V>[];
/** A trie level: 32 slots of lower levels, or of buckets at the bottom. */
type Trie<K, V> = readonly (Trie<K, V> | Bucket<K, V> | undefined)[];

const SLOT_BITS = 5;
const SLOTS = 1 << SLOT_BITS;

export class PersistentMap<K extends string, V> implements Iterable<[K, V]> {
  private static readonly MAX_LOAD = 16;

  private constructor(
    private readonly root: Trie<K, V>,
    /** log2 of the bucket count. */
    private readonly bits: number,
    readonly size: number,
  ) {}

  static empty<K extends string, V>(): PersistentMap<K, V> {
    return new PersistentMap<K, V>([], 0, 0);
  }

  static from<K extends string, V>(entries: Iterable<readonly [K, V]>): PersistentMap<K, V> {
    const all = new Map<K, V>(entries);
    return PersistentMap.build(all, bitsFor(all.size));
  }

  get(key: K): V | undefined {
    return this.bucketOf(key)?.find((entry) => entry[0] === key)?.[1];
  }

  has(key: K): boolean {
    return this.bucketOf(key)?.some((entry) => entry[0] === key) ?? false;
  }

  set(key: K, value: V): PersistentMap<K, V> {
    const bucket = this.bucketOf(key) ?? [];
    const at = bucket.findIndex((entry) => entry[0] === key);
    const size = at >= 0 ? this.size : this.size + 1;
    if (size > 2 ** this.bits * PersistentMap.MAX_LOAD) {
      return PersistentMap.build(new Map([...this, [key, value]]), this.bits + 1);
    }
    const next = bucket.slice();
    if (at >= 0) next[at] = [key, value];
    else next.push([key, value]);
    return new PersistentMap(this.withBucket(key, next), this.bits, size);
  }

  delete(key: K): PersistentMap<K, V> {
    const bucket = this.bucketOf(key);
    const at = bucket?.findIndex((entry) => entry[0] === key) ?? -1;
    if (!bucket || at < 0) return this;
    const next = bucket.filter((_, i) => i !== at);
    return new PersistentMap(this.withBucket(key, next.length > 0 ? next : undefined), this.bits, this.size - 1);
  }

  /** A new map with every value replaced by `update(value, key)`, in one O(size) pass. */
  mapValues(update: (value: V, key: K) => V): PersistentMap<K, V> {
    const map = (node: Trie<K, V> | Bucket<K, V> | undefined, level: number): Trie<K, V> | Bucket<K, V> | undefined => {
      if (node === undefined) return undefined;
      if (level === 0) return (node as Bucket<K, V>).map(([key, value]) => [key, update(value, key)] as const);
      return (node as Trie<K, V>).map((child) => map(child, level - 1));
    };
    return new PersistentMap(map(this.root, this.levels) as Trie<K, V>, this.bits, this.size);
  }

  *entries(): IterableIterator<[K, V]> {
    function* walk(node: Trie<K, V> | Bucket<K, V> | undefined, level: number): IterableIterator<[K, V]> {
      if (node === undefined) return;
      if (level === 0) {
        for (const [key, value] of node as Bucket<K, V>) yield [key, value];
        return;
      }
      for (const child of node as Trie<K, V>) yield* walk(child, level - 1);
    }
    yield* walk(this.root, this.levels);
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

  /** Trie levels above the buckets (at least one). */
  private get levels(): number {
    return Math.max(1, Math.ceil(this.bits / SLOT_BITS));
  }

  /** The slot of bucket `index` at `level` (levels count down to 1, just above the buckets). */
  private static slot(index: number, level: number): number {
    return (index >>> ((level - 1) * SLOT_BITS)) & (SLOTS - 1);
  }

  private bucketOf(key: K): Bucket<K, V> | undefined {
    const index = fnv1a(key) & (2 ** this.bits - 1);
    let node: Trie<K, V> | Bucket<K, V> | undefined = this.root;
    for (let level = this.levels; level > 0 && node !== undefined; level--) node = (node as Trie<K, V>)[PersistentMap.slot(index, level)];
    return node as Bucket<K, V> | undefined;
  }

  /** The trie with the key's bucket replaced: a copy of the path down to it, everything else shared. */
  private withBucket(key: K, bucket: Bucket<K, V> | undefined): Trie<K, V> {
    const index = fnv1a(key) & (2 ** this.bits - 1);
    const replace = (node: Trie<K, V> | undefined, level: number): Trie<K, V> => {
      const copy = node ? node.slice() : [];
      const slot = PersistentMap.slot(index, level);
      copy[slot] = level === 1 ? bucket : replace(copy[slot] as Trie<K, V> | undefined, level - 1);
      return copy;
    };
    return replace(this.root, this.levels);
  }

  private static build<K extends string, V>(entries: Map<K, V>, bits: number): PersistentMap<K, V> {
    const levels = Math.max(1, Math.ceil(bits / SLOT_BITS));
    const root: unknown[] = [];
    for (const [key, value] of entries) {
      const index = fnv1a(key) & (2 ** bits - 1);
      let node = root;
      for (let level = levels; level > 1; level--) node = (node[PersistentMap.slot(index, level)] ??= []) as unknown[];
      ((node[PersistentMap.slot(index, 1)] ??= []) as Entry<K, V>[]).push([key, value]);
    }
    return new PersistentMap(root as Trie<K, V>, bits, entries.size);
  }
}

function bitsFor(size: number): number {
  let bits = 0;
  while (size > 2 ** bits * 16) bits++;
  return bits;
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
