import assert from 'node:assert/strict';
import { once, EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { LeaseBook, type LeasePort, type OwnerPort } from '../../src/leases/book.ts';
import { createLogger } from '../../src/log.ts';

/** Records every call; `failReleases` refuses that many releases first (a database away). */
class FakeStore extends EventEmitter implements LeasePort, OwnerPort {
  calls: Array<[string, ...unknown[]]> = [];
  failReleases = 0;
  failExtends = 0;
  async extend(ids: string[], until: number) {
    this.calls.push(['extend', [...ids].sort(), until]);
    this.emit('extend', ids, until);
    if (this.failExtends-- > 0) throw new Error('database away');
    return ids.length;
  }
  async release(ids: string[]) {
    this.calls.push(['release', [...ids].sort()]);
    this.emit('release', ids);
    if (this.failReleases-- > 0) throw new Error('database away');
  }
  async registerWorker(owner: string) {
    this.calls.push(['register', owner]);
  }
  async heartbeatWorker(owner: string) {
    this.calls.push(['heartbeat', owner]);
    this.emit('heartbeat');
  }
  async unregisterWorker(owner: string) {
    this.calls.push(['unregister', owner]);
  }
}

function bookOn(store: FakeStore, leaseMs = 30_000, livenessMs = 5000) {
  return new LeaseBook<string>({
    owner: 'w1',
    leaseMs,
    livenessMs,
    what: 'test',
    log: createLogger('silent'),
    leases: store,
    workers: store,
  });
}

describe('lease book', () => {
  test('books each id once and gives back what it held', () => {
    const book = bookOn(new FakeStore());
    assert.equal(book.add('a', 'A'), true);
    assert.equal(book.add('a', 'A2'), false, 'a second add of a held id changes nothing');
    book.add('b', 'B');
    assert.deepEqual([book.size, book.get('a'), book.has('b')], [2, 'A', true]);
    assert.equal(book.delete('a'), 'A');
    assert.equal(book.delete('a'), undefined);
    assert.deepEqual(book.clear(), ['b']);
    assert.equal(book.size, 0);
  });

  test('open registers the owner; the heartbeats extend every lease held and keep the owner alive', async () => {
    const store = new FakeStore();
    const book = bookOn(store, 750, 250); // lease heartbeat every 250 ms
    book.add('a', 'A');
    book.add('b', 'B');
    const before = Date.now();
    await book.open();
    assert.deepEqual(store.calls[0], ['register', 'w1']);
    const [ids, until] = (await once(store, 'extend')) as [string[], number];
    assert.deepEqual([...ids].sort(), ['a', 'b']);
    assert.ok(until >= before + 750, 'a lease from now');
    await once(store, 'heartbeat');
    book.close();
    await book.unregister();
    assert.deepEqual(store.calls.at(-1), ['unregister', 'w1']);
  });

  test('the heartbeat also keeps the leases of what is sent but not yet recorded', async () => {
    const store = new FakeStore();
    const uncommitted = new Set(['c']);
    const book = new LeaseBook<string>({
      owner: 'w1',
      leaseMs: 30_000,
      what: 'test',
      log: createLogger('silent'),
      leases: store,
      workers: store,
      alsoLeased: () => uncommitted,
    });
    book.add('a', 'A');
    await book.extendAll();
    assert.deepEqual(store.calls.at(-1)?.[1], ['a', 'c']);
    book.delete('a');
    uncommitted.clear();
    await book.extendAll();
    assert.equal(store.calls.length, 1, 'nothing held, nothing pending: no query');
  });

  test('an empty book asks the database nothing on its heartbeat', async () => {
    const store = new FakeStore();
    await bookOn(store).extendAll();
    assert.deepEqual(store.calls, []);
  });

  test('a refused release is tried again while the book is open, then reported done', async () => {
    const store = new FakeStore();
    store.failReleases = 2;
    const book = bookOn(store);
    await book.open();
    const done = new Promise<void>((resolve) => book.releaseSoon(['a'], resolve));
    await done;
    assert.deepEqual(
      store.calls.filter((c) => c[0] === 'release'),
      [
        ['release', ['a']],
        ['release', ['a']],
        ['release', ['a']],
      ],
    );
    book.close();
  });

  test('a closed book does not retry: releaseNow says whether it worked', async () => {
    const store = new FakeStore();
    store.failReleases = 1;
    const book = bookOn(store);
    assert.equal(await book.releaseNow(['a']), false);
    assert.equal(await book.releaseNow(['a']), true);
    assert.equal(await book.releaseNow([]), true, 'nothing to release asks nothing');
    assert.equal(store.calls.length, 2);
  });

  test('releases given back in one tick go out in one write', async () => {
    const store = new FakeStore();
    const book = bookOn(store);
    let woken = 0;
    const released = once(store, 'release');
    for (const id of ['a', 'b', 'c']) book.releaseTogether(id, () => woken++);
    assert.deepEqual(await released, [['a', 'b', 'c']]);
    assert.equal(store.calls.length, 1);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(woken, 1);
  });

  test('parking moves the lease to its time; a refused park releases instead', async () => {
    const store = new FakeStore();
    const book = bookOn(store);
    const extended = once(store, 'extend');
    book.park(['a'], 12345, () => assert.fail('not released'));
    assert.deepEqual(await extended, [['a'], 12345]);
    store.failExtends = 1;
    await book.open();
    const released = new Promise<void>((resolve) => book.park(['b'], 12345, resolve));
    await released;
    assert.deepEqual(store.calls.at(-1), ['release', ['b']]);
    book.close();
  });
});
