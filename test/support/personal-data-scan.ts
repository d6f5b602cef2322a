/**
 * After the whole run: look for full resident ID numbers in everything the run left behind that a person might read
 * or copy — the service's logs and the Temporal server's state file (what the Temporal UI shows). Files are read as
 * latin1 so binary SQLite pages are scanned byte for byte.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findFullIdNumbers } from '../../domain/personal-data';

export interface ScanResult {
  files: number;
  bytes: number;
  found: { file: string; idNumberMasked: string }[];
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

export function scanForIdNumbers(dirs: string[]): ScanResult {
  const result: ScanResult = { files: 0, bytes: 0, found: [] };
  for (const file of dirs.flatMap(walk)) {
    const text = fs.readFileSync(file, 'latin1');
    result.files += 1;
    result.bytes += text.length;
    for (const id of findFullIdNumbers(text)) result.found.push({ file, idNumberMasked: `${id.slice(0, 6)}********${id.slice(-4)}` });
  }
  return result;
}
