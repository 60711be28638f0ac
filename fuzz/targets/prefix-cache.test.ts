import test from 'ava';
import { PrefixCache } from './prefix-cache.ts';

const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

test('the longest kept prefix wins; a prefix of other bytes is not found', (t) => {
  const cache = new PrefixCache<string>(8);
  cache.add(bytes(1, 2, 3, 4), 2, 'two');
  cache.add(bytes(1, 2, 3, 4), 3, 'three');
  t.is(cache.longest(bytes(1, 2, 3, 9, 9), [2, 3, 5]), 'three');
  t.is(cache.longest(bytes(1, 2, 7, 9), [2, 3]), 'two');
  t.is(cache.longest(bytes(1, 7, 3, 4), [2, 3]), undefined);
  t.is(cache.longest(bytes(1, 2, 3), []), undefined);
});

test('a prefix kept already keeps its first value, and past the capacity the oldest goes', (t) => {
  const cache = new PrefixCache<number>(2);
  cache.add(bytes(1), 1, 1);
  cache.add(bytes(1), 1, 99);
  t.is(cache.longest(bytes(1), [1]), 1);
  cache.add(bytes(2), 1, 2);
  cache.add(bytes(3), 1, 3);
  t.is(cache.size, 2);
  t.is(cache.longest(bytes(1), [1]), undefined);
  t.is(cache.longest(bytes(3), [1]), 3);
});
