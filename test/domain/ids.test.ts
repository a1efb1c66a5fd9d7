import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ulid } from 'ulid';
import { idFloor, newId } from '../../src/domain/ids.ts';

test('idFloor: ids minted before a time sort below its floor, ids minted at or after it do not', () => {
  const at = 1_800_000_000_000;
  const floor = idFloor('event', at);
  assert.match(floor, /^evt_[0-9a-z]{10}$/);
  for (const t of [0, 1, at - 1_000_000, at - 1])
    assert.ok(`evt_${ulid(t).toLowerCase()}` < floor, `minted at ${t}`);
  for (const t of [at, at + 1, at + 1_000_000])
    assert.ok(`evt_${ulid(t).toLowerCase()}` >= floor, `minted at ${t}`);
  // Ids minted now are monotonic: never below the floor of a time before now.
  assert.ok(newId('attempt') >= idFloor('attempt', Date.now() - 1));
  assert.equal(idFloor('attempt', -5), 'atmpt_0000000000', 'a time before the epoch floors at zero');
});
