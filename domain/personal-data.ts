/**
 * Personal identifiers the enrollment application carries: resident ID numbers (居民身份证号码), mainland mobile numbers
 * and unified social credit codes (统一社会信用代码) of employers. Pure: no I/O, no clock (`today` is a parameter), no
 * Node builtins, so workflow code may import it too.
 *
 * ID numbers and phone numbers are personal data: anything that leaves the process for people to read (logs, audit
 * entries, workflow ids, search attributes) should carry the masked forms below, never the full value.
 */

/** A calendar day 'YYYY-MM-DD' (Asia/Shanghai). */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `y-m-d` is a day that exists in the proleptic Gregorian calendar (rejects 2023-02-29, 2024-04-31, month 13). */
export function isRealDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= (lengths[month - 1] ?? 0);
}

/** Whether `s` is 'YYYY-MM-DD' and names a real day. */
export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  return m !== null && isRealDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

// ---------------------------------------------------------------------------------------------------------------
// Resident ID numbers, GB 11643-1999: 6-digit region code, 8-digit birth date, 3-digit sequence (odd = male), check.
// ---------------------------------------------------------------------------------------------------------------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARS = '10X98765432';
const ID_FORMAT = /^\d{17}[\dX]$/;
/** Nobody alive was born before this; it also keeps digit runs like '000000' from passing as a date. */
const EARLIEST_BIRTH_YEAR = 1900;

export type IdNumberResult =
  | { ok: true; birthDate: IsoDate; sex: 'male' | 'female'; regionCode: string }
  | { ok: false; reason: 'format' | 'checksum' | 'birth_date' };

/** The check character for the first 17 digits of an ID number (ISO 7064 MOD 11-2). */
export function idNumberCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('idNumberCheckChar needs exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK_CHARS[sum % 11] ?? '';
}

/**
 * The canonical form of a typed ID number: surrounding blanks removed, a lowercase check 'x' made 'X'. Parents type
 * both; comparing or keying on the raw input would make the same child look like two children.
 */
export function normalizeIdNumber(raw: string): string {
  return raw.trim().toUpperCase();
}

/**
 * Validates a resident ID number in canonical form (see `normalizeIdNumber`). `today` ('YYYY-MM-DD', Asia/Shanghai)
 * is injected rather than read from the clock so that the result is reproducible (tests, workflow replay).
 * Checks in order: format, check character, birth date (a real day, 1900 or later, not after `today`).
 */
export function validateIdNumber(id: string, today: IsoDate): IdNumberResult {
  if (!isIsoDate(today)) throw new RangeError(`today must be 'YYYY-MM-DD', got '${today}'`);
  if (!ID_FORMAT.test(id)) return { ok: false, reason: 'format' };
  if (idNumberCheckChar(id.slice(0, 17)) !== id[17]) return { ok: false, reason: 'checksum' };
  const birthDate = idBirthDate(id);
  if (birthDate === null || birthDate > today) return { ok: false, reason: 'birth_date' };
  return { ok: true, birthDate, sex: Number(id[16]) % 2 === 1 ? 'male' : 'female', regionCode: id.slice(0, 6) };
}

/** The birth date encoded in positions 7..14, or null when it is not a real day from 1900 on. */
function idBirthDate(id: string): IsoDate | null {
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  if (year < EARLIEST_BIRTH_YEAR || !isRealDate(year, month, day)) return null;
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

/**
 * Keeps the first 6 and the last 4 characters: `110105********123X`. The region and the last digits are what an
 * official needs to tell two people apart on a screen; the birth date is what makes the number identifying.
 * Anything too short to keep both ends is masked entirely rather than partly shown.
 */
export function maskIdNumber(id: string): string {
  const s = id.trim();
  if (s.length < 11) return '*'.repeat(s.length);
  return `${s.slice(0, 6)}${'*'.repeat(s.length - 10)}${s.slice(-4)}`;
}

/**
 * Every substring of `text` that is a full, valid 18-character ID number (check character and birth date valid;
 * the future is not excluded, because a leak is a leak), uppercased, each once, in order of first appearance.
 * Windows inside longer digit runs count too, so that an ID number glued to other digits (a key without separator,
 * a binary record) is still found; masked numbers (`110105********123X`) are not matches. Read binary files such as
 * the Temporal state database as 'latin1' so that every byte maps to one character.
 */
export function findFullIdNumbers(text: string): string[] {
  const found = new Set<string>();
  for (const run of text.matchAll(/\d{17,}[Xx]?/g)) {
    const digits = run[0].toUpperCase();
    for (let i = 0; i + 18 <= digits.length; i++) {
      const candidate = digits.slice(i, i + 18);
      if (idNumberCheckChar(candidate.slice(0, 17)) === candidate[17] && idBirthDate(candidate) !== null) {
        found.add(candidate);
      }
    }
  }
  return [...found];
}

// ---------------------------------------------------------------------------------------------------------------
// Mainland mobile numbers
// ---------------------------------------------------------------------------------------------------------------

const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

/** 11 digits starting 13..19: the numbers parents receive SMS notices on. Landlines and +86 prefixes are not accepted. */
export function isMainlandMobile(phone: string): boolean {
  return MAINLAND_MOBILE.test(phone);
}

/** `138****5678`: the carrier prefix and the last 4 digits, as Chinese public services show them. */
export function maskPhone(phone: string): string {
  const s = phone.trim();
  if (s.length < 8) return '*'.repeat(s.length);
  return `${s.slice(0, 3)}${'*'.repeat(s.length - 7)}${s.slice(-4)}`;
}

const MOBILE_IN_TEXT = /(?<!\d)1[3-9]\d{9}(?!\d)/g;

/**
 * Masks every full ID number and mainland mobile number inside free text written by officials (step titles, urging
 * replies, notification bodies): such text travels to people not entitled to the numbers (the leading group's
 * notifications, reports), and officials do paste numbers into it.
 */
export function maskPersonalDataInText(text: string): string {
  let out = text;
  for (const id of findFullIdNumbers(out)) out = out.split(id).join(maskIdNumber(id));
  for (const id of findFullIdNumbers(out.toLowerCase())) out = out.split(id.toLowerCase()).join(maskIdNumber(id));
  return out.replace(MOBILE_IN_TEXT, (m) => maskPhone(m));
}

// ---------------------------------------------------------------------------------------------------------------
// Unified social credit codes, GB 32100-2015: 18 characters from a 31-letter alphabet (no I, O, S, V, Z), the last
// one a check character over the first 17.
// ---------------------------------------------------------------------------------------------------------------

const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const CREDIT_CODE_FORMAT = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

export type CreditCodeResult = { ok: true } | { ok: false; reason: 'format' | 'checksum' };

/** The check character for the first 17 characters of a credit code: 31 - (Σ value × weight mod 31), 31 → '0'. */
export function creditCodeCheckChar(first17: string): string {
  if (!/^[0-9A-HJ-NPQRTUWXY]{17}$/.test(first17)) throw new RangeError('creditCodeCheckChar needs 17 characters of the GB 32100 alphabet');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CREDIT_CODE_ALPHABET.indexOf(first17[i] ?? '') * (CREDIT_CODE_WEIGHTS[i] ?? 0);
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31] ?? '';
}

/** Validates a credit code in canonical form (uppercase; callers trim and uppercase what people type). */
export function validateCreditCode(code: string): CreditCodeResult {
  if (!CREDIT_CODE_FORMAT.test(code)) return { ok: false, reason: 'format' };
  if (creditCodeCheckChar(code.slice(0, 17)) !== code[17]) return { ok: false, reason: 'checksum' };
  return { ok: true };
}

export function isValidCreditCode(code: string): boolean {
  return validateCreditCode(code).ok;
}
