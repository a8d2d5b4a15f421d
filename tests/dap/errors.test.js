// Exception stops on programs/errors.bvasm (a caught division by zero, then
// an uncaught one): the two filters, exceptionInfo, and the fault's exit
// code.
'use strict';
const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert');
const { program, startClient, launch, resume, frames, runsToEnd } = require('./support');

const ERRORS = program('errors.bvasm');

describe('brainvm dap: errors', () => {
  let dc;
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('stops on an uncaught error by default, then the fiber faults (exit 70)', async () => {
    const { stop } = await launch(dc, { program: ERRORS });
    assert.strictEqual(stop.reason, 'exception');
    assert.strictEqual(stop.text, 'HostError: division by zero');
    assert.strictEqual(stop.threadId, 1);
    // The faulting fiber is still there to inspect.
    assert.deepStrictEqual((await dc.threadsRequest()).body.threads,
      [{ id: 1, name: 'fiber 1 (main)' }]);
    const stack = await frames(dc, 1);
    assert.deepStrictEqual(stack.map((f) => [f.name, f.line]), [['divide', 7], ['main', 24]]);
    const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
    assert.strictEqual(info.exceptionId, 'HostError');
    assert.strictEqual(info.description, 'division by zero');
    assert.strictEqual(info.breakMode, 'unhandled');
    const summary = dc.waitForEvent('output');
    await runsToEnd(dc, 70);
    const text = (await summary).body.output;
    assert.match(text, /exit code 70/);
    assert.match(text, /fiber 1 \(main\) faulted: HostError: division by zero/);
  });

  it('stops on caught errors too with the "all" filter', async () => {
    const { stop } = await launch(dc, { program: ERRORS }, { exceptions: ['all'] });
    assert.strictEqual(stop.reason, 'exception');
    assert.deepStrictEqual((await frames(dc, 1)).map((f) => [f.name, f.line]),
      [['divide', 7], ['main', 15]]);
    assert.strictEqual((await dc.exceptionInfoRequest({ threadId: 1 })).body.breakMode, 'always');
    const second = await resume(dc, 'continue', 1);
    assert.strictEqual(second.reason, 'exception');
    assert.deepStrictEqual((await frames(dc, 1)).map((f) => [f.name, f.line]),
      [['divide', 7], ['main', 24]]);
    assert.strictEqual((await dc.exceptionInfoRequest({ threadId: 1 })).body.breakMode, 'unhandled');
  });

  it('steps from a caught error into its handler', async () => {
    const { stop } = await launch(dc, { program: ERRORS }, { exceptions: ['all'] });
    assert.strictEqual(stop.reason, 'exception');
    const step = await resume(dc, 'next', 1);
    assert.strictEqual(step.reason, 'step');
    assert.deepStrictEqual((await frames(dc, 1)).map((f) => [f.name, f.line]), [['main', 20]]);
  });

  it('does not stop on errors with no filter', async () => {
    const exited = dc.waitForEvent('exited');
    await launch(dc, { program: ERRORS }, { exceptions: [], expectStop: false });
    assert.strictEqual((await exited).body.exitCode, 70);
    assert.ok(!dc.events.some((e) => e.event === 'stopped'));
  });

  it('answers exceptionInfo only at an exception stop', async () => {
    const { stop } = await launch(dc, { program: ERRORS, stopOnEntry: true });
    assert.strictEqual(stop.reason, 'entry');
    await assert.rejects(dc.exceptionInfoRequest({ threadId: 1 }), /not stopped on an error/);
  });
});
