/** The favoured corpus entries: the shortest entry for each counter, then a subset that still hits them all. */
import test from 'ava';
import { CorpusSchedule } from './schedule.ts';

const hits = (...counters: number[]): Int32Array => Int32Array.from(counters);

test('the favoured entries are short and together hit every counter any entry hits', (t) => {
  const s = new CorpusSchedule();
  s.add(0, 100, hits(1, 2, 3)); // long, but the only one with 3 for now
  s.add(1, 10, hits(1, 2)); // shorter for 1 and 2
  t.deepEqual(s.favouredEntries(), [0, 1]);
  s.add(2, 5, hits(1, 2, 3)); // shorter for everything: the others are not needed
  t.deepEqual(s.favouredEntries(), [2]);
  s.add(3, 4000, hits(3, 4)); // the only one with 4, long as it is
  t.deepEqual(s.favouredEntries(), [2, 3]);
  s.add(4, 50, undefined); // no hits known: never favoured
  s.add(5, 50, hits(2)); // covered by a shorter one already
  t.deepEqual(s.favouredEntries(), [2, 3]);
});

test('entries are added in corpus order', (t) => {
  const s = new CorpusSchedule();
  s.add(0, 1, hits(1));
  t.throws(() => s.add(2, 1, hits(1)), { message: /out of order/ });
});
