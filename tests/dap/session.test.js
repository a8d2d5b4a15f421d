// Whole sessions on programs/calls.bvasm: capabilities, breakpoints (moved,
// refused, by function), stepping in, over and out across calls, by
// instruction, disassembly, evaluation, and the end of the program.
'use strict';
const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert');
const cp = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  BRAINVM, program, startClient, launch, resume, frames, where, vars, scopes, printed, runsToEnd,
} = require('./support');

const CALLS = program('calls.bvasm');

describe('brainvm dap: a session on calls.bvasm', () => {
  let dc;
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('declares the capabilities it implements, and only those', async () => {
    const caps = (await dc.initializeRequest()).body;
    for (const c of ['supportsConfigurationDoneRequest', 'supportsFunctionBreakpoints',
      'supportsSteppingGranularity', 'supportsDisassembleRequest', 'supportsTerminateRequest',
      'supportsExceptionInfoRequest', 'supportsEvaluateForHovers'])
      assert.strictEqual(caps[c], true, c);
    for (const c of ['supportsConditionalBreakpoints', 'supportsSetVariable',
      'supportsRestartRequest', 'supportsStepBack', 'supportsInstructionBreakpoints'])
      assert.ok(!caps[c], c);
    assert.deepStrictEqual(caps.exceptionBreakpointFilters.map((f) => [f.filter, f.default]),
      [['uncaught', true], ['all', false]]);
  });

  it('hits a breakpoint (the testsupport scenario)', async () => {
    await dc.hitBreakpoint({ program: CALLS }, { path: CALLS, line: 21 });
  });

  it('moves a breakpoint on a line without code to the next line with code', async () => {
    // Line 13 is blank: the next code is sum_squares' first line, 17.
    await dc.hitBreakpoint({ program: CALLS }, { path: CALLS, line: 13 },
      { path: CALLS, line: 17 }, { path: CALLS, line: 17 });
  });

  it('refuses breakpoints where no code follows, and in other files', async () => {
    await dc.initializeRequest();
    const initialized = dc.waitForEvent('initialized');
    await dc.launchRequest({ program: CALLS });
    await initialized;
    const bps = (await dc.setBreakpointsRequest({
      source: { path: CALLS }, breakpoints: [{ line: 39 }, { line: 200 }],
    })).body.breakpoints;
    assert.strictEqual(bps[0].verified, true);
    assert.strictEqual(bps[0].line, 39);
    assert.strictEqual(bps[1].verified, false);
    assert.match(bps[1].message, /no code at or after line 200/);
    const other = (await dc.setBreakpointsRequest({
      source: { path: program('values.bvasm') }, breakpoints: [{ line: 20 }],
    })).body.breakpoints;
    assert.strictEqual(other[0].verified, false);
    assert.match(other[0].message, /not the program's source/);
    // Replacing a source's breakpoints removes the old ones: only line 36's stops.
    await dc.setBreakpointsRequest({ source: { path: CALLS }, breakpoints: [{ line: 36 }] });
    const stopped = dc.waitForEvent('stopped');
    await dc.configurationDoneRequest();
    const stop = (await stopped).body;
    assert.strictEqual(stop.reason, 'breakpoint');
    assert.deepStrictEqual(await where(dc, stop.threadId), ['main', 36]);
  });

  it('stops on entry', async () => {
    const { stop } = await launch(dc, { program: CALLS, stopOnEntry: true });
    assert.strictEqual(stop.reason, 'entry');
    assert.strictEqual(stop.threadId, 1);
    assert.strictEqual(stop.allThreadsStopped, true);
    assert.deepStrictEqual(await where(dc, 1), ['main', 29]);
    const threads = (await dc.threadsRequest()).body.threads;
    assert.deepStrictEqual(threads, [{ id: 1, name: 'fiber 1 (main)' }]);
  });

  it('steps in, over and out across calls', async () => {
    const { stop } = await launch(dc, { program: CALLS }, { lines: [31] });
    const t = stop.threadId;
    assert.deepStrictEqual(await where(dc, t), ['main', 31]);
    assert.strictEqual((await resume(dc, 'stepIn', t)).reason, 'step');
    assert.deepStrictEqual(await where(dc, t), ['sum_squares', 17]);
    await resume(dc, 'next', t);
    assert.deepStrictEqual(await where(dc, t), ['sum_squares', 18]);
    await resume(dc, 'next', t);  // over `call square`
    assert.deepStrictEqual(await where(dc, t), ['sum_squares', 19]);
    await resume(dc, 'next', t);
    await resume(dc, 'stepIn', t);  // into `call square`
    const stack = await frames(dc, t);
    assert.deepStrictEqual(stack.map((f) => [f.name, f.line]),
      [['square', 8], ['sum_squares', 20], ['main', 31]]);
    assert.ok(stack.every((f) => f.source.path === CALLS));
    await resume(dc, 'stepOut', t);
    assert.deepStrictEqual(await where(dc, t), ['sum_squares', 21]);
    // The value square returned (4 * 4) shows among the locals.
    const [top] = await frames(dc, t);
    const locals = await vars(dc, (await scopes(dc, top.id)).Locals.variablesReference);
    assert.strictEqual(locals['(return value)'].value, '16');
    assert.strictEqual(locals.a.value, '3');
    await resume(dc, 'stepOut', t);
    assert.deepStrictEqual(await where(dc, t), ['main', 32]);
    await resume(dc, 'next', t);
    assert.deepStrictEqual(await where(dc, t), ['main', 33]);
    await runsToEnd(dc, 0);
    assert.strictEqual(printed(dc), 'total = 25\n');
  });

  it('steps by instruction with granularity "instruction"', async () => {
    const { stop } = await launch(dc, { program: CALLS, stopOnEntry: true });
    const t = stop.threadId;
    const ip = async () => Number((await frames(dc, t))[0].instructionPointerReference);
    const first = await ip();
    await resume(dc, 'next', t, { granularity: 'instruction' });
    assert.strictEqual(await ip(), first + 1);
    assert.deepStrictEqual(await where(dc, t), ['main', 30]);
    await resume(dc, 'next', t, { granularity: 'instruction' });
    assert.deepStrictEqual(await where(dc, t), ['main', 31]);
    // stepIn by instruction enters the call at its first instruction.
    await resume(dc, 'stepIn', t, { granularity: 'instruction' });
    assert.deepStrictEqual(await where(dc, t), ['sum_squares', 17]);
  });

  it('stops at function breakpoints and refuses unknown functions', async () => {
    const { stop, responses } = await launch(dc, { program: CALLS },
      { functions: ['square', 'no_such_function'] });
    const [square, unknown] = responses.functions.body.breakpoints;
    assert.strictEqual(square.verified, true);
    assert.strictEqual(square.line, 8);
    assert.strictEqual(unknown.verified, false);
    assert.match(unknown.message, /no function named 'no_such_function'/);
    assert.strictEqual(stop.reason, 'function breakpoint');
    assert.deepStrictEqual(stop.hitBreakpointIds, [square.id]);
    assert.deepStrictEqual(await where(dc, stop.threadId), ['square', 8]);
    // square is called twice.
    const again = await resume(dc, 'continue', stop.threadId);
    assert.strictEqual(again.reason, 'function breakpoint');
    const [top] = await frames(dc, again.threadId);
    const locals = await vars(dc, (await scopes(dc, top.id)).Locals.variablesReference);
    assert.strictEqual(locals.x.value, '4');
  });

  it('disassembles around the instruction pointer', async () => {
    const { stop } = await launch(dc, { program: CALLS, stopOnEntry: true });
    const [top] = await frames(dc, stop.threadId);
    const ip = Number(top.instructionPointerReference);
    const ins = (await dc.disassembleRequest({
      memoryReference: top.instructionPointerReference, instructionOffset: -2, instructionCount: 5,
    })).body.instructions;
    assert.deepStrictEqual(ins.map((i) => Number(i.address)), [ip - 2, ip - 1, ip, ip + 1, ip + 2]);
    assert.deepStrictEqual(ins.map((i) => i.instruction),
      ['load_local s', 'ret', 'push_const 3', 'push_const 4', 'call sum_squares 2']);
    assert.deepStrictEqual(ins.map((i) => i.symbol),
      ['sum_squares', 'sum_squares', 'main', 'main', 'main']);
    assert.deepStrictEqual(ins.map((i) => i.line), [23, 24, 29, 30, 31]);
    assert.strictEqual(ins[2].location.path, CALLS);
    // Outside the program: placeholders, as many as asked.
    const edge = (await dc.disassembleRequest({
      memoryReference: '0', instructionOffset: -2, instructionCount: 3,
    })).body.instructions;
    assert.deepStrictEqual(edge.map((i) => i.presentationHint), ['invalid', 'invalid', undefined]);
    assert.strictEqual(edge[2].instruction, 'load_local x');
  });

  it('evaluates locals and variables by name', async () => {
    const { stop } = await launch(dc, { program: CALLS }, { lines: [22] });
    const [top] = await frames(dc, stop.threadId);
    const ev = (expression, extra = { frameId: top.id }) =>
      dc.evaluateRequest({ expression, context: 'watch', ...extra });
    assert.strictEqual((await ev('b')).body.result, '4');
    assert.strictEqual((await ev(' a ')).body.type, 'number');
    assert.strictEqual((await ev('total')).body.result, '0');  // a shared variable
    assert.strictEqual((await ev('total', {})).body.result, '0');  // no frame: shared scope
    await assert.rejects(ev('nothing_here'), /no local or variable named 'nothing_here'/);
    await assert.rejects(ev('a', {}), /no local or variable named 'a'/);
    // Operands: `add` left 9 + 16 on the stack for store_local s.
    const ops = await vars(dc, (await scopes(dc, top.id))['Operand stack'].variablesReference);
    assert.deepStrictEqual(Object.entries(ops).map(([k, v]) => [k, v.value]), [['[0]', '25']]);
  });

  it('runs to the end: output, exited 0, terminated; answers until disconnect', async () => {
    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await launch(dc, { program: CALLS }, { expectStop: false });
    assert.strictEqual((await exited).body.exitCode, 0);
    await terminated;
    assert.strictEqual(printed(dc), 'total = 25\n');
    const started = dc.events.filter((e) => e.event === 'thread').map((e) => [e.body.reason, e.body.threadId]);
    assert.deepStrictEqual(started, [['started', 1], ['exited', 1]]);
    assert.deepStrictEqual((await dc.threadsRequest()).body.threads, []);
    await assert.rejects(dc.stackTraceRequest({ threadId: 1 }), /not stopped/);
    // A client that asks to terminate now still hears `terminated`.
    const again = dc.waitForEvent('terminated');
    await dc.terminateRequest();
    await again;
  });

  it('terminates a stopped program on request', async () => {
    const { stop } = await launch(dc, { program: CALLS }, { lines: [18] });
    assert.strictEqual(stop.reason, 'breakpoint');
    const terminated = dc.waitForEvent('terminated');
    await dc.terminateRequest();
    await terminated;
    assert.strictEqual(printed(dc), '');  // main never got to print
  });
});

describe('brainvm dap: images', () => {
  let dc, dir;
  beforeEach(async () => {
    dc = await startClient();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainvm-dap-'));
  });
  afterEach(async () => {
    await dc.stop();
    fs.rmSync(dir, { recursive: true });
  });

  const asm = (...args) => {
    const r = cp.spawnSync(BRAINVM, ['asm', CALLS, ...args]);
    assert.strictEqual(r.status, 0, r.stderr.toString());
  };

  it('debugs an image with its source by the debug info', async () => {
    const image = path.join(dir, 'calls.bvm');
    asm('-o', image);
    const { stop } = await launch(dc, { program: image }, { functions: ['square'] });
    const [top] = await frames(dc, stop.threadId);
    assert.deepStrictEqual([top.name, top.line, top.source.path], ['square', 8, CALLS]);
  });

  it('debugs an image whose source is gone: lines, no source', async () => {
    const copy = path.join(dir, 'gone.bvasm');
    fs.copyFileSync(CALLS, copy);
    const image = path.join(dir, 'gone.bvm');
    const r = cp.spawnSync(BRAINVM, ['asm', copy, '-o', image]);
    assert.strictEqual(r.status, 0, r.stderr.toString());
    fs.rmSync(copy);
    const { stop, responses } = await launch(dc, { program: image },
      { lines: [8], functions: ['square'] });
    // Lines cannot be placed without the source; functions can, with their line.
    assert.strictEqual(responses.lines.body.breakpoints[0].verified, false);
    assert.match(responses.lines.body.breakpoints[0].message, /gone\.bvasm is not found/);
    assert.strictEqual(responses.functions.body.breakpoints[0].line, 8);
    const [top] = await frames(dc, stop.threadId);
    assert.deepStrictEqual([top.name, top.line, top.source], ['square', 0, undefined]);
  });

  it('debugs a stripped image by function and instruction', async () => {
    const image = path.join(dir, 'stripped.bvm');
    asm('--strip', '-o', image);
    const { stop, responses } = await launch(dc, { program: image },
      { lines: [8], functions: ['square'] });
    assert.strictEqual(responses.lines.body.breakpoints[0].verified, false);
    assert.match(responses.lines.body.breakpoints[0].message, /no debug info/);
    assert.strictEqual(stop.reason, 'function breakpoint');
    const [top] = await frames(dc, stop.threadId);
    assert.strictEqual(top.name, 'square');
    assert.strictEqual(top.line, 0);
    assert.strictEqual(top.source, undefined);
    const [ins] = (await dc.disassembleRequest({
      memoryReference: top.instructionPointerReference, instructionCount: 1,
    })).body.instructions;
    assert.deepStrictEqual([ins.instruction, ins.symbol, ins.line], ['load_local 0', 'square', undefined]);
    // Steps go by instruction there.
    await resume(dc, 'next', stop.threadId);
    assert.strictEqual(Number((await frames(dc, stop.threadId))[0].instructionPointerReference),
      Number(top.instructionPointerReference) + 1);
  });
});

describe('brainvm dap: launch problems and bad requests', () => {
  let dc;
  beforeEach(async () => { dc = await startClient(); await dc.initializeRequest(); });
  afterEach(async () => { await dc.stop(); });

  it('fails a launch whose program cannot be read', async () => {
    await assert.rejects(dc.launchRequest({ program: program('missing.bvasm') }),
      /cannot launch .*missing\.bvasm: error: cannot read/);
  });

  it('fails a launch whose program does not assemble, with the diagnostics', async () => {
    const bad = path.join(__dirname, '..', '..', 'samples', 'asm_error.bvasm');
    const output = dc.waitForEvent('output');
    await assert.rejects(dc.launchRequest({ program: bad }), /asm_error\.bvasm:\d+:\d+: error: /);
    assert.strictEqual((await output).body.category, 'stderr');
  });

  it('checks launch attributes', async () => {
    await assert.rejects(dc.launchRequest({}), /'program' is required/);
    await assert.rejects(dc.launchRequest({ program: CALLS, ticks: 'many' }), /'ticks' must be an integer/);
    await assert.rejects(dc.launchRequest({ program: CALLS, budget: 0 }), /'budget' is out of range/);
    await assert.rejects(dc.launchRequest({ program: CALLS, vars: [1] }), /'vars' must be an object/);
    await assert.rejects(dc.launchRequest({ program: CALLS, entry: 'nowhere' }), /nowhere/);
    // Still usable after all that.
    await dc.launchRequest({ program: CALLS, ticks: 5, budget: 10, maxFibersPerTick: 2, dt: 0.5, seed: 3 });
  });

  it('answers what it cannot serve with success false', async () => {
    await assert.rejects(dc.send('stepBack', { threadId: 1 }), /does not support the 'stepBack' request/);
    await assert.rejects(dc.send('attach', {}), /cannot attach/);
    await assert.rejects(dc.stackTraceRequest({ threadId: 'one' }), /'threadId' must be an integer/);
    await assert.rejects(dc.variablesRequest({ variablesReference: 1 }), /not stopped/);
    await assert.rejects(dc.pauseRequest({ threadId: 1 }), /not running/);
    await assert.rejects(dc.disassembleRequest({ memoryReference: 'x', instructionCount: 1 }),
      /not an instruction address/);
    await assert.rejects(dc.setExceptionBreakpointsRequest({ filters: ['sometimes'] }),
      /unknown exception filter/);
  });
});
