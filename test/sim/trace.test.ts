import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsvTrace, parseDeltaTrace, readTrace } from '../../src/sim/trace.js';

describe('traces', () => {
  it('reads inter-arrival times', () => {
    const trace = parseDeltaTrace('0.5\n0.25\n\n# comment\n1\n');
    expect([...trace.arrivals]).toEqual([0.5, 0.75, 1.75]);
    expect(trace.durationSeconds).toBe(1.75);
  });

  it('reads timestamp,count rows, spreading each interval evenly, with an optional header', () => {
    const trace = parseCsvTrace('timestamp,count\n100,2\n110,1\n');
    expect([...trace.arrivals]).toEqual([2.5, 7.5, 15]);
    expect(trace.durationSeconds).toBe(20);
  });

  it('names the file and line of a bad entry', () => {
    expect(() => parseDeltaTrace('0.5\nabc\n', 'x.delta')).toThrow('x.delta:2: expected a non-negative inter-arrival time in seconds, got \'abc\'');
    expect(() => parseCsvTrace('1,2\n1,3\n', 'x.csv')).toThrow('x.csv:2: timestamps must increase');
    expect(() => parseCsvTrace('1,2.5\n', 'x.csv')).toThrow("x.csv:1: expected 'timestamp,count'");
  });

  it('quotes a binary or overlong bad line escaped and cut, never its raw bytes', () => {
    const binary = `\u0000\u0007\ufffd${'x'.repeat(200)}\u001b[2J`;
    let message = '';
    try {
      parseDeltaTrace(`1\n${binary}\n`, 'b.delta');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^b\.delta:2: expected a non-negative inter-arrival time in seconds, got '\\x00\\x07\\ufffdx+…' \(207 characters, the file looks binary\)$/);
    // nothing unprintable reaches the terminal, and the quote is short
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ufffd]/);
    expect(message.length).toBeLessThan(200);
    expect(() => parseCsvTrace('1,2\n\u00072,\u00003\n', 'c.csv')).toThrow("c.csv:2: expected 'timestamp,count' (seconds, a whole number), got '\\x072,\\x003' (the file looks binary)");
  });

  it('takes decimal numbers only: 0x10, 0b1 and 0o7 are refused, not read as 16, 1 and 7', () => {
    for (const text of ['0x10', '0B1', '0o7']) {
      expect(() => parseDeltaTrace(`1\n${text}\n`, 'r.delta')).toThrow(`r.delta:2: expected a non-negative inter-arrival time in seconds, got '${text}'`);
      expect(() => parseCsvTrace(`0,1\n${text},2\n`, 'r.csv')).toThrow('r.csv:2:');
      expect(() => parseCsvTrace(`0,${text}\n`, 'r.csv')).toThrow('r.csv:1:');
    }
    // decimal forms that start with 0 stay numbers
    expect([...parseDeltaTrace('0.5\n0e3\n00.25\n').arrivals]).toEqual([0.5, 0.5, 0.75]);
  });

  it('reads the WC98 trace: 142,166 requests over 6300 s', async () => {
    const trace = await readTrace(path.resolve(import.meta.dirname, '../../examples/traces/wc_day53-r0-105m-l70.delta'));
    expect(trace.arrivals.length).toBe(142_166);
    expect(trace.durationSeconds).toBeCloseTo(6300, 0);
  });
});
