// The wire itself, with a raw client: framing split and joined anyhow,
// malformed headers and messages (answered when they can be, never fatal),
// nothing but DAP messages on stdout, and the process's end.
'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert');
const cp = require('node:child_process');
const { BRAINVM, TIMEOUT, program } = require('./support');

// `brainvm dap` with raw access: write(bytes), and the messages it sent.
function rawServer() {
  const child = cp.spawn(BRAINVM, ['dap'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let data = Buffer.alloc(0);
  const messages = [];
  let waiting = null;
  child.stdout.on('data', (chunk) => {
    data = Buffer.concat([data, chunk]);
    for (;;) {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) break;
      const header = data.subarray(0, end).toString();
      const m = /^Content-Length: (\d+)$/.exec(header);
      assert.ok(m, `stdout carries only DAP frames, got header ${JSON.stringify(header)}`);
      const length = Number(m[1]);
      if (data.length < end + 4 + length) break;
      messages.push(JSON.parse(data.subarray(end + 4, end + 4 + length).toString()));
      data = data.subarray(end + 4 + length);
      if (waiting) waiting();
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child, messages, exit,
    stderr: () => stderr,
    write: (bytes) => child.stdin.write(bytes),
    frame: (obj) => {
      const body = Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj));
      return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
    },
    // Resolves once a message satisfies `pred`.
    until(pred) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out; got ' +
          JSON.stringify(messages))), TIMEOUT);
        const check = () => {
          const found = messages.find(pred);
          if (found) { clearTimeout(timer); waiting = null; resolve(found); }
        };
        waiting = check;
        check();
      });
    },
  };
}

const response = (seq) => (m) => m.type === 'response' && m.request_seq === seq;

describe('brainvm dap: the wire', () => {
  it('survives malformed frames and messages, answering what it can', async () => {
    const s = rawServer();
    const nested = '['.repeat(5000) + ']'.repeat(5000);
    s.write('Content-Length: abc\r\n\r\n');
    s.write('Foo: bar\r\n\r\n');
    s.write(s.frame('not json'));
    s.write(s.frame('[1, 2]'));
    s.write(s.frame({ type: 'request', seq: 5 }));
    s.write(s.frame({ type: 'request', seq: 6, command: 'threads', arguments: 5 }));
    s.write(s.frame(`{"type":"request","seq":7,"command":"evaluate","arguments":{"x":${nested}}}`));
    s.write(s.frame({ type: 'event', seq: 8, event: 'stopped' }));
    s.write(Buffer.concat([Buffer.from('Content-Length: 4\r\n\r\n'), Buffer.from([0xff, 0xfe, 0x7b, 0x7d])]));
    s.write('x'.repeat(20000) + '\r\n\r\n');  // a header too long
    s.write(s.frame({ type: 'request', seq: 9, command: 'stackTrace', arguments: { threadId: -1 } }));
    s.write(s.frame({ type: 'request', seq: 10, command: 'initialize', arguments: { adapterID: 'raw' } }));
    assert.strictEqual((await s.until(response(6))).success, false);
    assert.match((await s.until(response(6))).message, /malformed request: 'arguments' must be an object/);
    assert.match((await s.until(response(9))).message, /'threadId' is out of range/);
    const init = await s.until(response(10));
    assert.strictEqual(init.success, true);
    assert.strictEqual(init.body.supportsConfigurationDoneRequest, true);
    // Nothing was answered for the messages without a seq and command.
    assert.deepStrictEqual(s.messages.map((m) => m.request_seq), [6, 9, 10]);
    // Outgoing seq numbers count up from 1.
    assert.deepStrictEqual(s.messages.map((m) => m.seq), [1, 2, 3]);
    s.write(s.frame({ type: 'request', seq: 11, command: 'disconnect' }));
    await s.until(response(11));
    assert.deepStrictEqual(await s.exit, { code: 0, signal: null });
    assert.match(s.stderr(), /not JSON/);
  });

  it('reads frames split byte by byte, joined, with LF-only headers', async () => {
    const s = rawServer();
    const one = s.frame({ type: 'request', seq: 1, command: 'initialize', arguments: {} });
    for (const byte of one) s.write(Buffer.from([byte]));
    await s.until(response(1));
    const launch = s.frame({ type: 'request', seq: 2, command: 'launch',
      arguments: { program: program('calls.bvasm'), stopOnEntry: true } });
    const done = s.frame({ type: 'request', seq: 3, command: 'configurationDone' });
    s.write(Buffer.concat([launch, done]));
    const stop = await s.until((m) => m.event === 'stopped');
    assert.strictEqual(stop.body.reason, 'entry');
    const body = JSON.stringify({ type: 'request', seq: 4, command: 'threads' });
    s.write(`content-length: ${body.length}\nContent-Type: application/json\n\n${body}`);
    const threads = await s.until(response(4));
    assert.deepStrictEqual(threads.body.threads, [{ id: 1, name: 'fiber 1 (main)' }]);
    s.child.stdin.end();  // end of input: the session ends, exit 0
    assert.deepStrictEqual(await s.exit, { code: 0, signal: null });
  });
});
