import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPrinter, levels, Tail } from './logs.ts';

const at = () => new Date('2026-01-01T12:00:01.234Z');

function printer() {
  const lines: string[] = [];
  return { lines, printer: createPrinter((line) => lines.push(line), false, at) };
}

describe('printing the processes’ logs', () => {
  it('shows a JSON line at or above the threshold with its source, level, message and other fields', () => {
    const { lines, printer: p } = printer();
    p.processLine('gdmarket/item#1', JSON.stringify({ level: 40, time: 1, pid: 9, hostname: 'h', service: 'gdmarket.item', msg: 'slow store', ms: 250 }), levels.warn);
    assert.deepEqual(lines, ['12:00:01.234 gdmarket/item#1 WARN  slow store {"ms":250}']);
  });

  it('leaves out lines below the threshold', () => {
    const { lines, printer: p } = printer();
    p.processLine('gateway', JSON.stringify({ level: 30, msg: 'routing file reloaded' }), levels.warn);
    assert.deepEqual(lines, []);
  });

  it('prints an error’s stack under its line', () => {
    const { lines, printer: p } = printer();
    p.processLine('gateway', JSON.stringify({ level: 50, msg: 'failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' } }), levels.warn);
    assert.deepEqual(lines, ['12:00:01.234 gateway ERROR failed', '    Error: boom', '        at x']);
  });

  it('prints an err given as text as it is (it printed "Error: " and lost the text)', () => {
    const { lines, printer: p } = printer();
    p.processLine('gasstation/station#1', JSON.stringify({ level: 40, msg: 'handler failed; retrying', err: 'Deadlock found' }), levels.warn);
    assert.deepEqual(lines, ['12:00:01.234 gasstation/station#1 WARN  handler failed; retrying', '    Deadlock found']);
  });

  it('shows text that is not a log entry, and every stderr line, as it is', () => {
    const { lines, printer: p } = printer();
    p.processLine('gdmarket/item#1', 'Debugger listening', levels.silent);
    p.errorLine('gdmarket/item#1', 'SyntaxError: nope');
    assert.deepEqual(lines, ['12:00:01.234 gdmarket/item#1 Debugger listening', '12:00:01.234 gdmarket/item#1 SyntaxError: nope']);
  });
});

describe('the tail of a process’s output', () => {
  it('keeps the last lines only', () => {
    const tail = new Tail(2);
    for (const line of ['a', 'b', 'c']) tail.push(line);
    assert.deepEqual(tail.lines(), ['b', 'c']);
  });
});
