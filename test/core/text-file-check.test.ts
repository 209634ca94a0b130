// A blueprint or trace that is not a file of text was read anyway: /dev/zero until V8's longest string
// (0.7 GB, then "Invalid string length"). Devices, directories and files past the bound are refused, saying
// which, before a byte is read; a pipe (`validate <(generate)`) is still read as it comes.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { MAX_TEXT_FILE_BYTES, NotUtf8FileError, readFailure, readTextFile, textFileProblem } from '../../src/core/text-file-check.js';
import { readTrace } from '../../src/sim/trace.js';

describe('files read whole as text', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'homeostat-text-'));
  });
  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  it.runIf(existsSync('/dev/zero'))('refuses a device and a directory as a trace and as a blueprint, saying which', async () => {
    await expect(readTrace('/dev/zero')).rejects.toThrow('/dev/zero:0: cannot read the trace: it is a device, not a file');
    await expect(loadBlueprint('/dev/zero')).rejects.toMatchObject({ problems: [{ message: 'cannot read the blueprint: it is a device, not a file' }] });
    await expect(readTrace(scratch)).rejects.toThrow('cannot read the trace: it is a directory, not a file');
  });

  it('refuses a file past the bound before reading it (a sparse file: nothing is written)', async () => {
    const huge = path.join(scratch, 'huge.delta');
    await writeFile(huge, '');
    await truncate(huge, MAX_TEXT_FILE_BYTES + 1024 * 1024);
    await expect(readTrace(huge)).rejects.toThrow(/cannot read the trace: it is 513 MiB, more than the 512 MiB of text it may be/);
    expect(await textFileProblem(huge, { maxBytes: 2 * MAX_TEXT_FILE_BYTES })).toBeUndefined();
  });

  it('refuses a blueprint, a trace and a token file holding bytes that are not UTF-8, at their line and column; a report stays lenient', async () => {
    // 'é' is two bytes: the column counts characters, so the stray byte after 'café-' is at column 12 of line 3, byte 36
    const blueprint = path.join(scratch, 'latin1.yaml');
    await writeFile(blueprint, Buffer.concat([Buffer.from('name: shop\napplication:\n  id: café-'), Buffer.from([0xe9]), Buffer.from('\n')]));
    await expect(loadBlueprint(blueprint)).rejects.toMatchObject({ problems: [{ line: 3, col: 12, message: expect.stringMatching(/^cannot read the blueprint: it is not UTF-8 text: at line 3, column 12 \(byte 36\), /) }] });
    const trace = path.join(scratch, 'bad.delta');
    await writeFile(trace, Buffer.concat([Buffer.from('1\n2\n# note '), Buffer.from([0xc3, 0x28]), Buffer.from('\n3\n')]));
    await expect(readTrace(trace)).rejects.toThrow(`${trace}:3: cannot read the trace: it is not UTF-8 text: at line 3, column 8`);
    const token = path.join(scratch, 'token');
    await writeFile(token, Buffer.concat([Buffer.from('a-token-of-24-characters'), Buffer.from([0xff])]));
    await expect(readTextFile(token, { strictUtf8: true })).rejects.toBeInstanceOf(NotUtf8FileError);
    // text from another system is read as it is, the stray byte as U+FFFD
    expect(await readTextFile(token)).toBe('a-token-of-24-characters\ufffd');
  });

  it('still reads a pipe, as `homeostat simulate --trace <(generate)` gives one', async () => {
    const fifo = path.join(scratch, 'trace.delta');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const [trace] = await Promise.all([readTrace(fifo), writeFile(fifo, '1\n2\n')]);
    expect([...trace.arrivals]).toEqual([1, 3]);
  });

  it('says in words what a read past the longest string failed with', () => {
    expect(readFailure(new RangeError('Invalid string length'))).toBe('it holds more than the 512 MiB of text it may be');
    expect(readFailure(Object.assign(new Error('nope'), { code: 'ENOENT' }))).toBe('no such file');
    expect(readFailure(new Error('EACCES: permission denied'))).toBe('EACCES: permission denied');
  });
});
