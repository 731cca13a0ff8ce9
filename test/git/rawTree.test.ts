/**
 * RawTree: names found by binary search over an index of entry starts, and an edited tree whose
 * index is carried over instead of found again: both must agree with formatting the tree anew.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatTree } from '../../src/git/objects.js';
import { RawTree } from '../../src/git/rawTree.js';

const name = fc.stringMatching(/^[a-c.\-_ ]{1,4}$/);
const entry = fc.record({ mode: fc.constantFrom('40000', '100644', '100755', '120000', '160000'), name, oid: fc.stringMatching(/^[0-9a-f]{40}$/) });

describe('RawTree', () => {
  it('finds every name of an edited tree through the carried index as through a fresh one, edit after edit', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 20 }),
        fc.array(fc.uniqueArray(fc.record({ change: entry, remove: fc.boolean() }), { selector: (e) => e.change.name, maxLength: 5 }), { maxLength: 4 }),
        (entries, rounds) => {
          let tree = new RawTree(formatTree(entries));
          let current = entries;
          for (const edits of rounds) {
            const names = new Set(edits.map((e) => e.change.name));
            current = [...current.filter((e) => !names.has(e.name)), ...edits.filter((e) => !e.remove).map((e) => e.change)];
            // Search the old tree first: its index exists before the edit carries it over.
            for (const e of edits) tree.find(e.change.name);
            tree = tree.edited(edits.map((e) => ({ name: e.change.name, entry: e.remove ? null : e.change })));
            expect(Buffer.from(tree.bytes).equals(formatTree(current))).toBe(true);
            const fresh = new RawTree(Buffer.from(tree.bytes));
            for (const e of current) {
              expect(tree.find(e.name)).toEqual(e);
              expect(fresh.find(e.name)).toEqual(e);
            }
            for (const e of edits) if (e.remove) expect(tree.find(e.change.name)).toBeNull();
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('refuses a tree cut short inside its last entry as INVALID_STATE', () => {
    const raw = formatTree([
      { mode: '100644', name: 'a', oid: '1'.repeat(40) },
      { mode: '40000', name: 'b', oid: '2'.repeat(40) },
    ]);
    expect(new RawTree(raw).find('b')).not.toBeNull();
    expect(() => new RawTree(raw.subarray(0, raw.length - 3)).find('b')).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
  });
});
