// Fibers as threads on programs/fibers.bvasm (two workers taking turns) and
// programs/spin.bvasm (runs until paused): thread names and events, stepping
// over a yield while another fiber runs, stepping another fiber, pause.
'use strict';
const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert');
const { program, startClient, launch, resume, where, printed, runsToEnd } = require('./support');

const FIBERS = program('fibers.bvasm');
const SPIN = program('spin.bvasm');

describe('brainvm dap: fibers', () => {
  let dc;
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('lists one thread per live fiber, named after its function', async () => {
    const { stop } = await launch(dc, { program: FIBERS }, { lines: [16] });
    // main spawned both workers and ended; worker A (fiber 2) runs first.
    assert.strictEqual(stop.threadId, 2);
    assert.deepStrictEqual(await where(dc, 2), ['worker', 16]);
    assert.deepStrictEqual((await dc.threadsRequest()).body.threads, [
      { id: 2, name: 'fiber 2 (worker)' },
      { id: 3, name: 'fiber 3 (worker)' },
    ]);
    // The waiting worker's stack is there too: it has not started yet.
    assert.deepStrictEqual(await where(dc, 3), ['worker', 7]);
    const events = dc.events.filter((e) => e.event === 'thread')
      .map((e) => `${e.body.reason} ${e.body.threadId}`);
    assert.deepStrictEqual(events, ['started 1', 'started 2', 'started 3', 'exited 1']);
    // Each worker stops at line 16 twice.
    const seen = [2];
    for (let i = 0; i < 3; ++i) seen.push((await resume(dc, 'continue', 2)).threadId);
    assert.deepStrictEqual(seen, [2, 3, 2, 3]);
    await runsToEnd(dc, 0);
    assert.strictEqual(printed(dc), 'A 1\nB 1\nA 2\nB 2\n');
    const ends = dc.events.filter((e) => e.event === 'thread' && e.body.reason === 'exited')
      .map((e) => e.body.threadId);
    assert.deepStrictEqual(ends, [1, 2, 3]);
  });

  it('steps over a yield while the other fiber runs', async () => {
    const { stop } = await launch(dc, { program: FIBERS }, { lines: [18] });
    assert.strictEqual(stop.threadId, 2);
    assert.strictEqual(printed(dc), 'A 1\n');
    await dc.setBreakpointsRequest({ source: { path: FIBERS }, breakpoints: [] });
    const next = await resume(dc, 'next', 2);
    // Fiber 3 had its turn (it printed), then fiber 2 went on after its yield.
    assert.strictEqual(next.reason, 'step');
    assert.strictEqual(next.threadId, 2);
    assert.deepStrictEqual(await where(dc, 2), ['worker', 19]);
    assert.strictEqual(printed(dc), 'A 1\nB 1\n');
  });

  it('steps the fiber the client names, not only the one stopped in', async () => {
    const { stop } = await launch(dc, { program: FIBERS }, { lines: [19] });
    assert.strictEqual(stop.threadId, 2);
    await dc.setBreakpointsRequest({ source: { path: FIBERS }, breakpoints: [] });
    // Fiber 3 also waits at line 19; stepping it lets fiber 2 run its slice.
    assert.deepStrictEqual(await where(dc, 3), ['worker', 19]);
    const next = await resume(dc, 'next', 3);
    assert.strictEqual(next.threadId, 3);
    assert.deepStrictEqual(await where(dc, 3), ['worker', 20]);
    assert.strictEqual(printed(dc), 'A 1\nB 1\nA 2\n');
  });

  it('stops at the next fiber that runs when a step leaves an ending fiber', async () => {
    const { stop } = await launch(dc, { program: FIBERS }, { lines: [41] });
    assert.deepStrictEqual([stop.threadId, ...(await where(dc, 1))], [1, 'main', 41]);
    const next = await resume(dc, 'next', 1);  // main returns: its fiber ends
    assert.strictEqual(next.reason, 'step');
    assert.strictEqual(next.threadId, 2);
    assert.deepStrictEqual(await where(dc, 2), ['worker', 7]);
  });

  it('pauses a running program, and terminates it', async () => {
    await launch(dc, { program: SPIN, ticks: 1e9 }, { expectStop: false });
    const stopped = dc.waitForEvent('stopped');
    await dc.pauseRequest({ threadId: 1 });
    const stop = (await stopped).body;
    assert.strictEqual(stop.reason, 'pause');
    assert.strictEqual(stop.threadId, 1);
    const [fn, line] = await where(dc, 1);
    assert.strictEqual(fn, 'main');
    assert.ok(line >= 6 && line <= 13, `line ${line}`);
    // Pause while stopped is harmless; continue, then terminate while running.
    await dc.pauseRequest({ threadId: 1 });
    await dc.continueRequest({ threadId: 1 });
    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await dc.terminateRequest();
    await terminated;
    assert.strictEqual((await exited).body.exitCode, 0);
    // The second pause did not stop the program again after continue.
    assert.strictEqual(dc.events.filter((e) => e.event === 'stopped').length, 1);
  });
});
