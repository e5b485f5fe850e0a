import { describe, expect, it } from 'vitest';
import { SchemaModel } from '../../src/analyze/schema.js';

/** Everything a rule can observe about the model, in iteration order. */
function observe(m: SchemaModel) {
  const tables = ['public.a', 'public.b', 'public.c', 'public.d', 'public.e'];
  return {
    tables: tables.map((t) => {
      const info = m.table(t);
      return info && { name: info.name, kind: info.kind, createdIn: info.createdIn, columns: [...info.columns.values()], constraints: [...info.constraints.values()], indexes: [...info.indexes] };
    }),
    referencing: m.referencing('public.a'),
    usingType: m.tablesUsingType('public.mood'),
    columnsOfType: m.columnsOfType('public.mood'),
    triggers: m.triggersUsing('public.f'),
    indexes: ['public.i1', 'public.i2', 'public.i3'].map((i) => m.indexTable(i)),
    objects: ['public.mood', 'public.mood_old', 'public.s'].map((o) => m.object(o)),
    partitions: m.partitionsOf('public.a'),
    views: m.viewsOn('public.a'),
    viewsUsing: m.viewsUsing('public.a', 'x'),
    renamed: m.wasRenamedInFile('public.c'),
    currentFile: m.currentFile,
  };
}

function seed(): SchemaModel {
  const m = new SchemaModel();
  m.beginFile('001.sql');
  m.createTable('public.a', 'table', [{ name: 'x', type: 'int4', notNull: true, hasDefault: false }]);
  m.createTable('public.b', 'table', [{ name: 'a_x', type: 'public.mood', notNull: false, hasDefault: false }]);
  m.createTable('public.c', 'table', [{ name: 'm', type: 'public.mood[]', notNull: false, hasDefault: false }]);
  m.addConstraint('public.b', { name: 'b_fk', type: 'foreign-key', valid: true, references: 'public.a', columns: ['a_x'], referencedColumns: ['x'] });
  m.addConstraint('public.c', { name: 'c_fk', type: 'foreign-key', valid: true, references: 'public.a' });
  m.addIndex('public.a', 'public.i1');
  m.addIndex('public.b', 'public.i2');
  m.createObject('public.mood', 'type');
  m.createObject('public.s', 'sequence');
  m.addTrigger('public.a', 't1', 'public.f');
  m.addTrigger('public.b', 't2', 'public.f');
  m.addPartition('public.a', 'public.d');
  m.setView('public.v', new Map([['public.a', new Set(['x'])]]));
  m.beginFile('002.sql');
  return m;
}

describe('SchemaModel.tentatively', () => {
  it('undoes every change of a look-ahead pass, keeping what rules see and in the same order', () => {
    const m = seed();
    const before = observe(m);
    const during = m.tentatively((s) => {
      s.beginFile('003.sql');
      s.dropTable('public.b');
      s.renameTable('public.c', 'public.e');
      s.createTable('public.c', 'table', []);
      s.setColumn('public.a', { name: 'y', type: 'text', notNull: false, hasDefault: false });
      s.renameColumn('public.a', 'x', 'z');
      s.dropIndex('public.i1');
      s.addIndex('public.a', 'public.i3');
      s.renameObject('public.mood', 'public.mood_old', 'type');
      s.dropObject('public.s');
      s.dropTrigger('public.a', 't1');
      s.addTrigger('public.a', 't1', 'public.f');
      s.removePartition('public.a', 'public.d');
      s.forgetView('public.v');
      return observe(s);
    });
    // The pass saw its own changes …
    expect(during.tables[1]).toBeUndefined();
    expect(during.tables[4]?.constraints.map((c) => c.name)).toEqual(['c_fk']);
    expect(during.triggers).toEqual([{ table: 'public.a', trigger: 't1' }]);
    expect(during.currentFile).toBe('003.sql');
    // … and the model is exactly as before, iteration order included.
    expect(observe(m)).toEqual(before);
    expect(before.triggers).toEqual([
      { table: 'public.a', trigger: 't1' },
      { table: 'public.b', trigger: 't2' },
    ]);
    expect(before.referencing).toEqual([
      { table: 'public.b', constraint: 'b_fk' },
      { table: 'public.c', constraint: 'c_fk' },
    ]);
    expect(before.usingType).toEqual(['public.b', 'public.c']);
  });

  it('changes the model in place outside a pass, and undoes a pass that throws', () => {
    const m = seed();
    const before = observe(m);
    expect(() =>
      m.tentatively((s) => {
        s.dropTable('public.a');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(observe(m)).toEqual(before);
    m.dropTable('public.a');
    expect(m.table('public.a')).toBeUndefined();
    expect(m.referencing('public.a')).toEqual([
      { table: 'public.b', constraint: 'b_fk' },
      { table: 'public.c', constraint: 'c_fk' },
    ]);
  });
});
