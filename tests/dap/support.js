// Shared helpers of the `brainvm dap` tests: a DebugClient from
// @vscode/debugadapter-testsupport running `<brainvm> dap`, and short
// forms for the request/event pairs the tests repeat.
'use strict';
const path = require('node:path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const ROOT = path.resolve(__dirname, '..', '..');
const BRAINVM = path.resolve(
  process.env.BRAINVM || path.join(ROOT, 'build/default/apps/brainvm/brainvm'));
// Sanitizer builds are slower; BRAINVM_DAP_TIMEOUT (ms) raises every wait.
const TIMEOUT = Number(process.env.BRAINVM_DAP_TIMEOUT || 10000);

function program(name) {
  return path.join(__dirname, 'programs', name);
}

// A started client; every event it receives is also kept in `dc.events`.
async function startClient() {
  const dc = new DebugClient(BRAINVM, 'dap', 'brainvm', {}, !!process.env.BRAINVM_DAP_STDERR);
  dc.defaultTimeout = TIMEOUT;
  await dc.start();
  dc.events = [];
  const emit = dc.emit.bind(dc);
  dc.emit = (name, ...rest) => {
    if (rest[0] && rest[0].type === 'event') dc.events.push(rest[0]);
    return emit(name, ...rest);
  };
  return dc;
}

// initialize + launch, then (on `initialized`) the breakpoints and
// configurationDone; resolves with the first `stopped` event's body, or
// with null when `expectStop` is false.
async function launch(dc, args, { lines = [], functions, exceptions, expectStop = true } = {}) {
  const stopped = expectStop ? dc.waitForEvent('stopped') : null;
  const responses = {};
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      if (lines.length)
        responses.lines = await dc.setBreakpointsRequest({
          source: { path: args.program },
          breakpoints: lines.map((line) => ({ line })),
        });
      if (functions)
        responses.functions = await dc.setFunctionBreakpointsRequest({
          breakpoints: functions.map((name) => ({ name })),
        });
      if (exceptions) await dc.setExceptionBreakpointsRequest({ filters: exceptions });
      await dc.configurationDoneRequest();
    }),
    dc.launch(args),
  ]);
  const stop = stopped ? (await stopped).body : null;
  return { stop, responses };
}

// Sends a step/continue request and waits for the next stop.
async function resume(dc, command, threadId, extra = {}) {
  const stopped = dc.waitForEvent('stopped');
  await dc.send(command, { threadId, ...extra });
  return (await stopped).body;
}

async function frames(dc, threadId) {
  return (await dc.stackTraceRequest({ threadId })).body.stackFrames;
}

// Where a thread is: [function, line] of its innermost frame.
async function where(dc, threadId) {
  const [top] = await frames(dc, threadId);
  return [top.name, top.line];
}

// The variables of a reference as {name: variable}, in order.
async function vars(dc, variablesReference, extra = {}) {
  const list = (await dc.variablesRequest({ variablesReference, ...extra })).body.variables;
  return Object.fromEntries(list.map((v) => [v.name, v]));
}

// The scopes of a frame by name.
async function scopes(dc, frameId) {
  const list = (await dc.scopesRequest({ frameId })).body.scopes;
  return Object.fromEntries(list.map((s) => [s.name, s]));
}

// stdout as the program printed it so far.
function printed(dc) {
  return dc.events
    .filter((e) => e.event === 'output' && e.body.category === 'stdout')
    .map((e) => e.body.output)
    .join('');
}

// The program runs to its end: exited (with this exit code), then terminated.
async function runsToEnd(dc, exitCode) {
  const assert = require('node:assert');
  const exited = dc.waitForEvent('exited');
  const terminated = dc.waitForEvent('terminated');
  await dc.continueRequest({ threadId: 0 });
  assert.strictEqual((await exited).body.exitCode, exitCode);
  await terminated;
}

module.exports = {
  BRAINVM, ROOT, TIMEOUT, program, startClient, launch, resume, frames, where,
  vars, scopes, printed, runsToEnd,
};
