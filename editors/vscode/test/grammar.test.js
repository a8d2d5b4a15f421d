// Tests the .bvasm TextMate grammar with the tokenizer VS Code itself uses
// (vscode-textmate on the vscode-oniguruma regex engine).
//   npm ci --prefix editors/vscode/test && node --test editors/vscode/test/
// or scripts/test-editor.
'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const ROOT = path.resolve(__dirname, '../../..');
const GRAMMAR = path.resolve(__dirname, '../syntaxes/bvasm.tmLanguage.json');

const MNEMONIC = 'keyword.operator.instruction.bvasm';
const DIRECTIVE = 'keyword.control.directive.bvasm';
const FUNCTION = 'entity.name.function.bvasm';
const HOST_FUNCTION = 'entity.name.function.host.bvasm';
const PARAMETER = 'variable.parameter.bvasm';
const LABEL_DEF = 'entity.name.label.bvasm';
const LABEL_REF = 'variable.other.label.bvasm';
const NUMBER = 'constant.numeric.bvasm';
const LANG_CONST = 'constant.language.bvasm';
const STRING = 'string.quoted.double.bvasm';
const ESCAPE = 'constant.character.escape.bvasm';
const BAD_ESCAPE = 'invalid.illegal.escape.bvasm';
const COMMENT = 'comment.line.semicolon.bvasm';
const ANNOTATION = 'keyword.other.annotation.bvasm';
const ERR = 'support.function.error.bvasm';
const ERR_TAG = 'support.type.error-tag.bvasm';
const CONST_NAME = 'variable.other.constant.bvasm';
const VARIABLE = 'variable.other.bvasm';
const LOCAL = 'variable.other.local.bvasm';

// The mnemonics and directives the assembler knows, read from its sources so
// that a new opcode or directive fails this test until the grammar has it.
function mnemonicsFromOpcodes() {
  const text = fs.readFileSync(path.join(ROOT, 'lib/include/brainvm/opcodes.h'), 'utf8');
  return [...text.matchAll(/X\(\s*\d+\s*,\s*\w+\s*,\s*"([a-z_]+)"/g)].map((m) => m[1]);
}
function directivesFromAssembler() {
  const text = fs.readFileSync(path.join(ROOT, 'asm/src/assembler.cpp'), 'utf8');
  const list = /kDirectives\[\]\s*=\s*\{([^}]*)\}/.exec(text);
  assert.ok(list, 'kDirectives not found in asm/src/assembler.cpp');
  return [...list[1].matchAll(/"(\.[a-z]+)"/g)].map((m) => m[1]);
}
const MNEMONICS = mnemonicsFromOpcodes();
const DIRECTIVES = directivesFromAssembler();

let grammar;

before(async () => {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === 'source.bvasm'
        ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR)
        : null,
  });
  grammar = await registry.loadGrammar('source.bvasm');
  assert.ok(grammar, 'grammar source.bvasm did not load');
});

// Tokenizes text line by line. Every line must come back fully covered by
// tokens, and every rule must close by the end of its line (the language is
// line-oriented: nothing may leak into the next line).
function tokenize(text) {
  const lines = text.split('\n');
  let state = vsctm.INITIAL;
  return lines.map((line, i) => {
    const r = grammar.tokenizeLine(line, state);
    assert.equal(r.stoppedEarly, false, `line ${i + 1} stopped early`);
    let at = 0;
    for (const t of r.tokens) {
      assert.equal(t.startIndex, at, `line ${i + 1}: gap before column ${t.startIndex}`);
      assert.ok(t.endIndex > t.startIndex || line.length === 0, `line ${i + 1}: empty token`);
      at = t.endIndex;
    }
    assert.ok(at >= line.length, `line ${i + 1}: tokens end at ${at}, line has ${line.length}`);
    assert.equal(r.ruleStack.depth, 1, `line ${i + 1} leaves a rule open: ${JSON.stringify(line)}`);
    state = r.ruleStack;
    return { line, tokens: r.tokens };
  });
}

function tokenizeLine(line) {
  return tokenize(line)[0];
}

// The tokens of `line` that overlap the nth occurrence of `text`. With
// `exact`, the text must begin and end on token boundaries, so a scope can
// neither fall short of nor run past it.
function tokensOf(line, text, nth = 0, exact = true) {
  let start = -1;
  for (let k = 0; k <= nth; k++) {
    start = line.indexOf(text, start + 1);
    assert.notEqual(start, -1, `'${text}' not found in ${JSON.stringify(line)}`);
  }
  const end = start + text.length;
  const { tokens } = tokenizeLine(line);
  const covering = tokens.filter((t) => t.endIndex > start && t.startIndex < end);
  const describe = () => tokens.map((t) => `${JSON.stringify(line.slice(t.startIndex, t.endIndex))}=${t.scopes.slice(1).join(' ')}`).join(' | ');
  assert.ok(covering.length > 0, `no token for '${text}'`);
  if (!exact) return { covering, tokens, describe };
  assert.equal(covering[0].startIndex, start, `'${text}' does not start a token in ${JSON.stringify(line)}: ${describe()}`);
  assert.equal(covering[covering.length - 1].endIndex, end, `'${text}' does not end a token in ${JSON.stringify(line)}: ${describe()}`);
  return { covering, tokens, describe };
}

// Every token of `text` in `line` has `scope`; the text is a whole token
// (or run of tokens) and the tokens just before and after it do not have the
// scope. With `bleed`, the text may be part of a larger token with the scope
// (a word inside a string or comment).
function expectScope(line, text, scope, { nth = 0, bleed = false } = {}) {
  const { covering, tokens, describe } = tokensOf(line, text, nth, !bleed);
  for (const t of covering) {
    assert.ok(t.scopes.includes(scope),
      `'${text}' in ${JSON.stringify(line)} should be ${scope}, got: ${describe()}`);
  }
  if (!bleed) {
    const i = tokens.indexOf(covering[0]);
    const j = tokens.indexOf(covering[covering.length - 1]);
    for (const n of [tokens[i - 1], tokens[j + 1]]) {
      if (n && n.endIndex > n.startIndex && n.startIndex < line.length) {
        assert.ok(!n.scopes.includes(scope),
          `${scope} runs past '${text}' in ${JSON.stringify(line)}: ${describe()}`);
      }
    }
  }
}

// No token of `text` has a scope starting with `prefix`.
function expectNoScope(line, text, prefix, { nth = 0 } = {}) {
  const { covering, describe } = tokensOf(line, text, nth, false);
  for (const t of covering) {
    assert.ok(!t.scopes.some((s) => s === prefix || s.startsWith(prefix + '.')),
      `'${text}' in ${JSON.stringify(line)} must not be ${prefix}, got: ${describe()}`);
  }
}

function allScopes(text) {
  return tokenize(text).flatMap((l) => l.tokens.flatMap((t) => t.scopes));
}

function bvasmFiles(dir) {
  return fs.readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.bvasm'))
    .sort()
    .map((f) => path.join(dir, f));
}

// --- whole programs -------------------------------------------------------

test('every sample and golden program tokenizes, with no invalid token', () => {
  const files = [...bvasmFiles('samples'), ...bvasmFiles('tests/asm/programs')];
  assert.ok(files.length >= 10, `expected the samples, found ${files.length} files`);
  for (const file of files) {
    const lines = tokenize(fs.readFileSync(path.join(ROOT, file), 'utf8'));
    lines.forEach(({ line, tokens }, i) => {
      for (const t of tokens) {
        const bad = t.scopes.find((s) => s.startsWith('invalid.'));
        assert.equal(bad, undefined,
          `${file}:${i + 1}: '${line.slice(t.startIndex, t.endIndex)}' is ${bad}`);
      }
    });
    // Every instruction (the first word after any labels) is a mnemonic.
    let instructions = 0;
    lines.forEach(({ line }, i) => {
      const m = /^\s*(?:[A-Za-z_][A-Za-z0-9_.$]*\s*:\s*)*([A-Za-z_][A-Za-z0-9_.$]*)(?![A-Za-z0-9_.$]|\s*:)/.exec(line);
      if (!m) return;
      const at = m.index + m[0].length - m[1].length;
      const t = tokenizeLine(line).tokens.find((k) => k.startIndex === at);
      assert.ok(t && t.endIndex === at + m[1].length && t.scopes.includes(MNEMONIC),
        `${file}:${i + 1}: '${m[1]}' is not scoped as a mnemonic`);
      instructions++;
    });
    assert.ok(instructions > 0, `${file}: no instruction found`);
  }
});

test('the samples show every kind of token', () => {
  const scopes = new Set(bvasmFiles('samples').flatMap((f) =>
    allScopes(fs.readFileSync(path.join(ROOT, f), 'utf8'))));
  for (const s of [COMMENT, ANNOTATION, DIRECTIVE, FUNCTION, PARAMETER, MNEMONIC, LABEL_DEF,
    LABEL_REF, NUMBER, LANG_CONST, STRING, ESCAPE, HOST_FUNCTION, VARIABLE, LOCAL]) {
    assert.ok(scopes.has(s), `no ${s} token in samples/`);
  }
});

// --- comments ---------------------------------------------------------------

test('comments', () => {
  expectScope('; a whole-line comment', '; a whole-line comment', COMMENT);
  expectScope('  pop   ; drop it', '; drop it', COMMENT);
  expectNoScope('  pop   ; drop it', 'pop', 'comment');
  // A ';' inside a string does not start a comment.
  expectScope('  push_const "a;b" ; c', '"a;b"', STRING);
  expectNoScope('  push_const "a;b" ; c', '"a;b"', 'comment');
  expectScope('  push_const "a;b" ; c', '; c', COMMENT);
  expectScope('.func f(a) ; params', '; params', COMMENT);
  expectScope('loop: ; only a label', '; only a label', COMMENT);
  // A comment is plain text: no mnemonics or numbers inside it.
  expectNoScope('; pop 42 "x"', 'pop', 'keyword');
  expectNoScope('; pop 42 "x"', '42', 'constant');
  expectNoScope('; pop 42 "x"', '"x"', 'string');
});

test('test annotations are comments with a keyword', () => {
  for (const key of ['run:', 'expect:', 'expect-output:', 'expect-fault:', 'expect-status:', 'expect-error:']) {
    const line = `; ${key} something`;
    expectScope(line, key, ANNOTATION);
    expectScope(line, key, COMMENT, { bleed: true });
    expectScope(line, 'something', COMMENT, { bleed: true });
    expectNoScope(line, 'something', 'keyword');
  }
  expectScope('  ret ; expect: 42', 'expect:', ANNOTATION);
  expectNoScope('; expected: 42', 'expected:', 'keyword');
  expectNoScope('; note that expect: 1', 'expect:', 'keyword');
});

// --- directives -------------------------------------------------------------

test('every directive the assembler knows', () => {
  assert.ok(DIRECTIVES.length >= 15, `directives: ${DIRECTIVES}`);
  for (const d of DIRECTIVES) {
    expectScope(`${d} x`, d, DIRECTIVE);
    expectScope(`  ${d}`, d, DIRECTIVE);
  }
  expectNoScope('.fnuc main()', '.fnuc', 'keyword');
  expectScope('.fnuc main()', '.fnuc', 'invalid.illegal.directive.bvasm');
  expectNoScope('.funcs main()', '.funcs', 'keyword');
  expectNoScope('.ends', '.ends', 'keyword');
});

test('.func: name and parameters', () => {
  const line = '.func add3(a, b, c_2.$x)';
  expectScope(line, '.func', DIRECTIVE);
  expectScope(line, 'add3', FUNCTION);
  for (const p of ['a', 'b', 'c_2.$x']) {
    expectScope(line, p, PARAMETER, { nth: p === 'a' ? 1 : 0 }); // the first 'a' is in "add3"
    expectNoScope(line, p, 'entity', { nth: p === 'a' ? 1 : 0 });
  }
  expectNoScope(line, 'add3', 'variable');
  expectNoScope(line, '(', 'variable');
  expectScope('.func main()', 'main', FUNCTION);
  expectScope('.func main', 'main', FUNCTION);
  expectScope('.func main() ; no parameters', '; no parameters', COMMENT);
  const quoted = '.func "weird func"("x y", z)';
  expectScope(quoted, '"weird func"', FUNCTION);
  expectScope(quoted, '"weird func"', STRING, { bleed: true });
  expectScope(quoted, '"x y"', PARAMETER);
  expectScope(quoted, 'z', PARAMETER);
  expectScope('.end', '.end', DIRECTIVE);
});

test('.entry, .spawn and .rule name a function', () => {
  for (const d of ['.entry', '.spawn', '.rule']) {
    expectScope(`${d} worker`, d, DIRECTIVE);
    expectScope(`${d} worker`, 'worker', FUNCTION);
    expectScope(`${d} "weird func" ; x`, '"weird func"', FUNCTION);
  }
  expectScope('.noentry', '.noentry', DIRECTIVE);
});

test('.local, .const, .var, .varname, .source, .import, .pool', () => {
  expectScope('  .local i', 'i', LOCAL);
  expectScope('  .local "quoted local"', '"quoted local"', LOCAL);
  expectScope('.const LIMIT 10', 'LIMIT', CONST_NAME);
  expectScope('.const LIMIT 10', '10', NUMBER);
  expectScope('.const NAME "brain\\tvm"', '"brain\\tvm"', STRING, { bleed: true });
  expectScope('.var counter 0', 'counter', VARIABLE);
  expectScope('.var counter 0', '0', NUMBER);
  expectScope('.var flag true', 'true', LANG_CONST);
  expectScope('.var limit LIMIT', 'LIMIT', CONST_NAME);
  expectScope('.var nothing', 'nothing', VARIABLE);
  expectScope('.varname "z z"', '"z z"', VARIABLE);
  expectScope('.source "counter.bvasm"', '"counter.bvasm"', STRING, { bleed: true });
  expectScope('.import "odd host" sync', '"odd host"', HOST_FUNCTION);
  expectScope('.import sleep async', 'sleep', HOST_FUNCTION);
  expectScope('.import sleep async', 'async', 'storage.modifier.bvasm');
  expectScope('.pool 7', '7', NUMBER);
});

test('.raw and .line take numbers', () => {
  const raw = '  .raw 99 1 2';
  expectScope(raw, '.raw', DIRECTIVE);
  for (const n of ['99', '1', '2']) expectScope(raw, n, NUMBER);
  expectScope('  .raw 250 1 -2 3', '-2', NUMBER);
  expectScope('  .line 12', '.line', DIRECTIVE);
  expectScope('  .line 12', '12', NUMBER);
});

// --- labels ---------------------------------------------------------------

test('label definitions', () => {
  expectScope('loop:', 'loop', LABEL_DEF);
  expectNoScope('loop:', ':', 'entity');
  expectScope('  loop:   ', 'loop', LABEL_DEF);
  const shared = 'done: load_var counter ; label and instruction';
  expectScope(shared, 'done', LABEL_DEF);
  expectScope(shared, 'load_var', MNEMONIC);
  expectScope(shared, 'counter', VARIABLE);
  expectScope(shared, '; label and instruction', COMMENT);
  expectScope('spin: jmp spin', 'spin', LABEL_DEF);
  expectScope('spin: jmp spin', 'spin', LABEL_REF, { nth: 1 });
  expectScope('L12: L13: ret', 'L12', LABEL_DEF);
  expectScope('L12: L13: ret', 'L13', LABEL_DEF);
  expectScope('L12: L13: ret', 'ret', MNEMONIC);
  expectScope('a.b$c: pop', 'a.b$c', LABEL_DEF);
  expectScope('ret: ret', 'ret', LABEL_DEF);
  expectScope('ret: ret', 'ret', MNEMONIC, { nth: 1 });
});

test('label references', () => {
  for (const m of ['jmp', 'jmp_if_false', 'jmp_if_true', 'try', 'when_end']) {
    const line = `  ${m} loop_2 ; x`;
    expectScope(line, m, MNEMONIC);
    expectScope(line, 'loop_2', LABEL_REF);
    expectNoScope(line, 'loop_2', 'keyword');
  }
  expectNoScope('  load_var loop', 'loop', 'variable.other.label');
  expectNoScope('  call loop', 'loop', 'variable.other.label');
});

// --- mnemonics --------------------------------------------------------------

test('every mnemonic of the instruction set, and nothing else', () => {
  assert.ok(MNEMONICS.length >= 41, `mnemonics: ${MNEMONICS}`);
  for (const m of ['push_const', 'host_call_args_async', 'when_end', 'load_local', 'store_local']) {
    assert.ok(MNEMONICS.includes(m), `${m} missing from opcodes.h`);
  }
  for (const m of MNEMONICS) {
    expectScope(`  ${m}`, m, MNEMONIC);
    expectScope(`${m}`, m, MNEMONIC);
    expectScope(`top: ${m} ; c`, m, MNEMONIC);
  }
  for (const w of ['push_constx', 'foo', 'Pop', 'POP', 'jmpx', 'call2', 'host_calls', 'psh', 'list_pop', 'add', 'halt', 'nop']) {
    expectNoScope(`  ${w} 1`, w, 'keyword');
    expectScope(`  ${w} 1`, w, 'invalid.illegal.mnemonic.bvasm');
  }
  // A mnemonic's name in operand position is an operand, not an instruction.
  expectNoScope('  push_const pop', 'pop', 'keyword');
  expectNoScope('  load_var ret', 'ret', 'keyword');
  expectNoScope('  host_call_args call 0', 'call', 'keyword', { nth: 1 });
});

test('operands of call, host calls, variables, locals, push_const, struct_new', () => {
  expectScope('  call fib', 'fib', FUNCTION);
  expectScope('  call twice 1', 'twice', FUNCTION);
  expectScope('  call twice 1', '1', NUMBER);
  expectScope('  call "weird func"', '"weird func"', FUNCTION);
  for (const m of ['host_call', 'host_call_async']) {
    expectScope(`  ${m} print`, m, MNEMONIC);
    expectScope(`  ${m} print`, 'print', HOST_FUNCTION);
  }
  for (const m of ['host_call_args', 'host_call_args_async']) {
    const line = `  ${m} error_message, 2`;
    expectScope(line, m, MNEMONIC);
    expectScope(line, 'error_message', HOST_FUNCTION);
    expectScope(line, '2', NUMBER);
    expectScope(line, ',', 'punctuation.separator.comma.bvasm');
  }
  expectScope('  host_call "odd host"', '"odd host"', HOST_FUNCTION);
  expectNoScope('  host_call_args add 2', 'add', 'entity.name.function.bvasm');
  expectNoScope('  call fib', 'fib', HOST_FUNCTION);
  expectScope('  load_var counter', 'counter', VARIABLE);
  expectScope('  store_var "z z"', '"z z"', VARIABLE);
  expectScope('  load_local i', 'i', LOCAL);
  expectScope('  store_local 1', '1', NUMBER);
  expectScope('  push_const LIMIT', 'LIMIT', CONST_NAME);
  expectScope('  struct_new 2 "Point"', '2', NUMBER);
  expectScope('  struct_new 2 "Point"', '"Point"', STRING, { bleed: true });
});

// --- literals ---------------------------------------------------------------

test('numbers of every form', () => {
  for (const n of ['42', '-7', '+3', '0', '-0', '3.25', '1e-3', '2E+10', '-2.5e-10', '0x1F', '0xff', '-0x10',
    '0xFFFFFFFFFFFFFFFF', 'nan', 'inf', '-inf']) {
    expectScope(`  push_const ${n}`, n, NUMBER);
    expectNoScope(`  push_const ${n}`, n, 'invalid');
  }
  expectScope('.const X -inf ; c', '-inf', NUMBER);
  for (const bad of ['1.', '0xZZ', '1e', '12abc', '1.2.3']) {
    expectNoScope(`  push_const ${bad}`, bad, 'constant.numeric');
    expectScope(`  push_const ${bad}`, bad, 'invalid.illegal.numeric.bvasm');
  }
  expectNoScope('  push_const nanny', 'nanny', 'constant.numeric');
  expectNoScope('  push_const info', 'info', 'constant.numeric');
});

test('true, false, nil', () => {
  for (const c of ['true', 'false', 'nil']) {
    expectScope(`  push_const ${c}`, c, LANG_CONST);
    expectScope(`.var v ${c}`, c, LANG_CONST);
  }
  expectNoScope('  push_const trueish', 'trueish', LANG_CONST);
  expectNoScope('  push_const nil.x', 'nil.x', LANG_CONST);
});

test('strings and escapes', () => {
  const line = '  push_const "a\\nb\\tc\\rd\\\\e\\"f\\0g\\u{1F600}h\\u{10FFFF}i\\u{0}" ; c';
  expectScope(line, '"a', STRING, { bleed: true });
  expectScope(line, 'i\\u{0}"', STRING, { bleed: true });
  for (const e of ['\\n', '\\t', '\\r', '\\\\', '\\"', '\\0', '\\u{1F600}', '\\u{10FFFF}', '\\u{0}']) {
    expectScope(line, e, ESCAPE);
    expectScope(line, e, STRING, { bleed: true });
  }
  expectNoScope(line, 'b', 'constant');
  expectScope(line, '; c', COMMENT);
  for (const bad of ['\\q', '\\x', '\\u{110000}', '\\u{D800}', '\\u{dfff}', '\\u{}', '\\u{1234567}']) {
    const l = `  push_const "bad ${bad} here"`;
    expectScope(l, bad, BAD_ESCAPE);
    expectNoScope(l, bad, 'constant.character.escape');
    expectScope(l, 'here"', STRING, { bleed: true });
  }
  // An unterminated string ends with its line.
  const lines = tokenize('  push_const "open\n  pop');
  assert.ok(lines[1].tokens.some((t) => t.scopes.includes(MNEMONIC)), 'unterminated string leaked into the next line');
});

test('error values: err(Tag, "message")', () => {
  const line = '  push_const err(HostError, "m") ; c';
  expectScope(line, 'err', ERR);
  expectScope(line, 'HostError', ERR_TAG);
  expectScope(line, '"m"', STRING, { bleed: true });
  expectNoScope(line, '"m"', 'support');
  expectScope(line, '; c', COMMENT);
  for (const tag of ['ScriptError', 'HostError', 'Cancelled', 'Timeout', 'StackOverflow', 'StackUnderflow']) {
    expectScope(`.var e err(${tag}, "x\\n")`, tag, ERR_TAG);
    expectScope(`.var e err(${tag}, "x\\n")`, '\\n', ESCAPE);
  }
  expectNoScope('  push_const err(Bogus, "m")', 'Bogus', ERR_TAG);
  expectNoScope('  push_const err(HostErrors, "m")', 'HostErrors', ERR_TAG);
  expectNoScope('  push_const HostError', 'HostError', ERR_TAG);
  expectNoScope('  push_const my_err(HostError, "m")', 'my_err', ERR);
});
