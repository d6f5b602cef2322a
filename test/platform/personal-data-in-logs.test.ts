import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, maskIdNumbersInText } from '../../platform/logger';
import { scanForIdNumbers } from '../support/personal-data-scan';
import { makeId } from '../support/application-fixtures';

const ID = makeId('330103', '20200315', '023');

describe('personal data in logs', () => {
  it('masks a full ID number wherever it sits in a log line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('t', 'info', sink);
    log.info({ form: { guardians: [{ idNumber: ID, note: `see ${ID}` }] } }, `submitted by ${ID}`);
    const text = lines.join('');
    expect(text).not.toContain(ID);
    expect(text).toContain('330103********');
    expect(maskIdNumbersInText(`x${ID}y`)).not.toContain(ID);
  });

  it('the end-of-run scan finds an ID number in text and inside binary pages', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-'));
    fs.writeFileSync(path.join(dir, 'clean.log'), 'nothing here 12345678901234567\n');
    expect(scanForIdNumbers([dir]).found).toEqual([]);
    fs.writeFileSync(path.join(dir, 'state.db'), Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from(ID, 'latin1'), Buffer.from([0, 0])]));
    const result = scanForIdNumbers([dir]);
    expect(result.files).toBe(2);
    expect(result.found).toEqual([{ file: path.join(dir, 'state.db'), idNumberMasked: `${ID.slice(0, 6)}********${ID.slice(-4)}` }]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
