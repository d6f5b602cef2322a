/**
 * Structured logs (pino). Personal data never belongs in a log, whatever a caller passes: known fields are redacted
 * by name, and every line is scanned on its way out for anything that is a full, valid resident ID number, which is
 * masked (first 6 and last 4 kept), however deep in an object or inside a message it sits.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { findFullIdNumbers, maskIdNumber } from '../domain/personal-data';

export type { Logger };

const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'idNumber',
  '*.idNumber',
  '*.*.idNumber',
  'phone',
  '*.phone',
  '*.*.phone',
];

/** Mask every full ID number in a line of text (a log line, an error message). */
export function maskIdNumbersInText(text: string): string {
  let out = text;
  for (const id of findFullIdNumbers(text)) out = out.split(id).join(maskIdNumber(id));
  return out;
}

export function createLogger(name: string, level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      hooks: { streamWrite: maskIdNumbersInText },
    },
    destination,
  );
}
