// Variables of every kind on programs/values.bvasm: numbers, strings, nil,
// booleans, lists, maps and structs (expanded, nested, paged), the operand
// stack, shared variables from `vars`, host values from `env`.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert');
const { program, startClient, launch, resume, frames, vars, scopes } = require('./support');

const VALUES = program('values.bvasm');

// [value, type, expandable] of each variable.
function shape(variables) {
  return Object.fromEntries(Object.entries(variables).map(([name, v]) =>
    [name, [v.value, v.type, v.variablesReference > 0]]));
}

describe('brainvm dap: values', () => {
  let dc, thread, frame, locals;
  before(async () => {
    dc = await startClient();
    const { stop } = await launch(dc, {
      program: VALUES, vars: { counter: 10 }, env: { player: { name: 'Ada' } },
    }, { lines: [53] });
    thread = stop.threadId;
    [frame] = await frames(dc, thread);
    assert.strictEqual(frame.line, 53);
    locals = await vars(dc, (await scopes(dc, frame.id)).Locals.variablesReference);
  });
  after(async () => { await dc.stop(); });

  it('shows numbers, strings, nil, booleans and containers with their kinds', () => {
    assert.deepStrictEqual(shape(locals), {
      n: ['42.5', 'number', false],
      s: ['"say \\"hi\\""', 'string', false],
      z: ['nil', 'nil', false],
      yes: ['true', 'boolean', false],
      xs: ['[1, "two", [3]]', 'list', true],
      m: ['{1: "number one", "1": "string one", "list": [1, "two", [3]]}', 'map', true],
      p: ['Point{x: 3, tags: [1, "two", [3]], origin: struct{y: false}}', 'struct', true],
    });
    assert.strictEqual(locals.xs.indexedVariables, 3);
    assert.strictEqual(locals.m.namedVariables, 3);
    assert.strictEqual(locals.p.namedVariables, 3);
  });

  it('expands lists, nested lists too', async () => {
    const xs = await vars(dc, locals.xs.variablesReference);
    assert.deepStrictEqual(shape(xs), {
      '[0]': ['1', 'number', false],
      '[1]': ['"two"', 'string', false],
      '[2]': ['[3]', 'list', true],
    });
    assert.deepStrictEqual(shape(await vars(dc, xs['[2]'].variablesReference)),
      { '[0]': ['3', 'number', false] });
    // Pages, as VS Code asks for long lists.
    assert.deepStrictEqual(Object.keys(await vars(dc, locals.xs.variablesReference,
      { filter: 'indexed', start: 1, count: 1 })), ['[1]']);
    assert.deepStrictEqual(Object.keys(await vars(dc, locals.xs.variablesReference,
      { filter: 'named' })), []);
  });

  it('expands maps, entries named by their key as to_string shows it', async () => {
    const m = await vars(dc, locals.m.variablesReference);
    assert.deepStrictEqual(shape(m), {
      1: ['"number one"', 'string', false],
      '"1"': ['"string one"', 'string', false],
      '"list"': ['[1, "two", [3]]', 'list', true],
    });
    // The same list as xs: the same reference.
    assert.strictEqual(m['"list"'].variablesReference, locals.xs.variablesReference);
  });

  it('expands structs by field, nested anonymous structs too', async () => {
    const p = await vars(dc, locals.p.variablesReference);
    assert.deepStrictEqual(shape(p), {
      x: ['3', 'number', false],
      tags: ['[1, "two", [3]]', 'list', true],
      origin: ['struct{y: false}', 'struct', true],
    });
    assert.deepStrictEqual(shape(await vars(dc, p.origin.variablesReference)),
      { y: ['false', 'boolean', false] });
  });

  it('shows shared variables, with launch vars applied', async () => {
    const shared = await vars(dc, (await scopes(dc, frame.id)).Variables.variablesReference);
    assert.deepStrictEqual(shape(shared), {
      counter: ['10', 'number', false],
      greeting: ['"hi"', 'string', false],
    });
  });

  it('evaluates host values from launch env, and containers expand', async () => {
    const player = (await dc.evaluateRequest({ expression: 'player', frameId: frame.id })).body;
    assert.strictEqual(player.result, '{"name": "Ada"}');
    assert.strictEqual(player.type, 'map');
    assert.deepStrictEqual(shape(await vars(dc, player.variablesReference)),
      { '"name"': ['"Ada"', 'string', false] });
    const p = (await dc.evaluateRequest({ expression: 'p', frameId: frame.id, context: 'hover' })).body;
    assert.strictEqual(p.variablesReference, locals.p.variablesReference);
  });

  it('shows the operand stack top first', async () => {
    await resume(dc, 'next', thread);
    await resume(dc, 'next', thread);
    [frame] = await frames(dc, thread);
    assert.strictEqual(frame.line, 55);
    const ops = await vars(dc, (await scopes(dc, frame.id))['Operand stack'].variablesReference);
    assert.deepStrictEqual(Object.entries(ops).map(([k, v]) => [k, v.value]),
      [['[1]', '"say \\"hi\\""'], ['[0]', '42.5']]);
  });

  it('forgets references once the program runs again', async () => {
    const old = locals.xs.variablesReference;
    assert.ok(old > 0);
    await resume(dc, 'next', thread);
    await assert.rejects(dc.variablesRequest({ variablesReference: old }),
      new RegExp(`unknown variablesReference ${old} \\(references last until the program resumes\\)`));
    const [now] = await frames(dc, thread);
    const fresh = await vars(dc, (await scopes(dc, now.id)).Locals.variablesReference);
    assert.strictEqual(fresh.xs.value, '[1, "two", [3]]');
  });
});
