import fc from 'fast-check';
import {
  findFullIdNumbers,
  isMainlandMobile,
  isRealDate,
  isValidCreditCode,
  maskIdNumber,
  maskPhone,
  normalizeIdNumber,
  validateCreditCode,
  validateIdNumber,
} from '../../domain/personal-data';

// Independent re-implementations of the two check-character algorithms, written from the standards, so that the
// tests do not merely compare the module with itself.
const ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function withIdCheck(first17: string): string {
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * ID_W[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}
function makeId(region: string, yyyymmdd: string, seq: string): string {
  return withIdCheck(region + yyyymmdd + seq);
}

const CC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function withCreditCheck(first17: string): string {
  const sum = [...first17].reduce((acc, c, i) => acc + CC_ALPHABET.indexOf(c) * CC_W[i]!, 0);
  const check = 31 - (sum % 31);
  return first17 + CC_ALPHABET[check === 31 ? 0 : check];
}

const TODAY = '2026-11-21';
/** The example of GB 11643-1999 itself, quoted in countless references. */
const WELL_KNOWN_ID = '11010519491231002X';

describe('resident ID numbers (GB 11643-1999)', () => {
  it('accepts the well-known example and reads birth date, sex and region from it', () => {
    expect(withIdCheck(WELL_KNOWN_ID.slice(0, 17))).toBe(WELL_KNOWN_ID);
    expect(validateIdNumber(WELL_KNOWN_ID, TODAY)).toEqual({ ok: true, birthDate: '1949-12-31', sex: 'female', regionCode: '110105' });
  });

  it('reads the sex from the 17th digit: odd is male, even is female', () => {
    expect(validateIdNumber(makeId('330103', '19900101', '011'), TODAY)).toMatchObject({ ok: true, sex: 'male' });
    expect(validateIdNumber(makeId('330103', '19900101', '018'), TODAY)).toMatchObject({ ok: true, sex: 'female' });
  });

  it('rejects every wrong check character as a checksum error', () => {
    const first17 = WELL_KNOWN_ID.slice(0, 17);
    for (const c of [...'0123456789X'].filter((ch) => ch !== WELL_KNOWN_ID[17])) {
      expect(validateIdNumber(first17 + c, TODAY)).toEqual({ ok: false, reason: 'checksum' });
    }
  });

  it('catches any single mistyped digit (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 9 }), (pos, delta) => {
        const typo = WELL_KNOWN_ID.slice(0, pos) + String((Number(WELL_KNOWN_ID[pos]) + delta) % 10) + WELL_KNOWN_ID.slice(pos + 1);
        const r = validateIdNumber(typo, TODAY);
        // A typo in the date digits may also make the date impossible; either way it is not accepted.
        expect(r.ok).toBe(false);
      }),
    );
  });

  it('accepts any well-formed number built from a valid date (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 110000, max: 659999 }),
        fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2026-11-21T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
        (region, date, seq) => {
          const ymd = date.toISOString().slice(0, 10);
          const id = makeId(String(region), ymd.replaceAll('-', ''), String(seq).padStart(3, '0'));
          expect(validateIdNumber(id, TODAY)).toEqual({ ok: true, birthDate: ymd, sex: seq % 2 === 1 ? 'male' : 'female', regionCode: String(region) });
        },
      ),
    );
  });

  it.each([
    ['17 digits', WELL_KNOWN_ID.slice(0, 17)],
    ['19 characters', `${WELL_KNOWN_ID}1`],
    ['X not at the end', '1101051949123100X2'],
    ['a letter other than X', '11010519491231002Y'],
    ['lowercase x (not canonical)', '11010519491231002x'],
    ['blanks inside', '110105 19491231002X'],
    ['empty', ''],
  ])('rejects %s as a format error', (_label, id) => {
    expect(validateIdNumber(id, TODAY)).toEqual({ ok: false, reason: 'format' });
  });

  it('normalizes what people type: blanks trimmed, lowercase x made uppercase', () => {
    expect(normalizeIdNumber(' 11010519491231002x ')).toBe(WELL_KNOWN_ID);
    expect(validateIdNumber(normalizeIdNumber('11010519491231002x'), TODAY).ok).toBe(true);
  });

  it.each([
    ['February 30', '20200230'],
    ['February 29 of a non-leap year', '20230229'],
    ['February 29 of 1900 (not a leap year)', '19000229'],
    ['month 13', '20201301'],
    ['day 00', '20200100'],
    ['before 1900', '18991231'],
    ['tomorrow', '20261122'],
  ])('rejects a birth date on %s even with a correct check character', (_label, ymd) => {
    expect(validateIdNumber(makeId('110105', ymd, '123'), TODAY)).toEqual({ ok: false, reason: 'birth_date' });
  });

  it('accepts a birth date of today and February 29 of a leap year', () => {
    expect(validateIdNumber(makeId('110105', '20261121', '123'), TODAY)).toMatchObject({ ok: true, birthDate: '2026-11-21' });
    expect(validateIdNumber(makeId('110105', '20000229', '123'), TODAY)).toMatchObject({ ok: true, birthDate: '2000-02-29' });
  });

  it('judges the future against the injected day, not the clock', () => {
    const id = makeId('110105', '20261122', '123');
    expect(validateIdNumber(id, '2026-11-21').ok).toBe(false);
    expect(validateIdNumber(id, '2026-11-22').ok).toBe(true);
    expect(() => validateIdNumber(id, '2026/11/22')).toThrow(RangeError);
  });

  it('knows real dates', () => {
    expect(isRealDate(2024, 2, 29)).toBe(true);
    expect(isRealDate(2100, 2, 29)).toBe(false);
    expect(isRealDate(2024, 4, 31)).toBe(false);
    expect(isRealDate(2024, 12, 31)).toBe(true);
  });
});

describe('masking', () => {
  it('keeps the first 6 and last 4 characters of an ID number, hiding the birth date', () => {
    expect(maskIdNumber(WELL_KNOWN_ID)).toBe('110105********002X');
    expect(maskIdNumber(WELL_KNOWN_ID)).not.toContain('19491231');
    expect(findFullIdNumbers(maskIdNumber(WELL_KNOWN_ID))).toEqual([]);
  });

  it('masks something too short to be an ID number entirely rather than partly', () => {
    expect(maskIdNumber('1101051949')).toBe('**********');
    expect(maskIdNumber('')).toBe('');
  });

  it('keeps the first 3 and last 4 digits of a phone number', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('1381')).toBe('****');
  });
});

describe('mainland mobile numbers', () => {
  it.each(['13812345678', '15912345678', '19912345678'])('accepts %s', (p) => expect(isMainlandMobile(p)).toBe(true));
  it.each(['12812345678', '1381234567', '138123456789', '+8613812345678', '138-1234-5678', '1381234567a', ''])(
    'rejects %s',
    (p) => expect(isMainlandMobile(p)).toBe(false),
  );
});

describe('unified social credit codes (GB 32100-2015)', () => {
  it('accepts the example of the standard', () => {
    expect(withCreditCheck('91350100M000100Y4')).toBe('91350100M000100Y43');
    expect(validateCreditCode('91350100M000100Y43')).toEqual({ ok: true });
  });

  it('rejects a changed check character or a mistyped character as a checksum error', () => {
    expect(validateCreditCode('91350100M000100Y44')).toEqual({ ok: false, reason: 'checksum' });
    expect(validateCreditCode('91350100M000101Y43')).toEqual({ ok: false, reason: 'checksum' });
  });

  it.each([
    ['lowercase', '91350100m000100y43'],
    ['the letter I', '91350100I000100Y43'],
    ['the letter O', '91350100O000100Y43'],
    ['17 characters', '91350100M000100Y4'],
    ['19 characters', '91350100M000100Y430'],
  ])('rejects %s as a format error', (_label, code) => {
    expect(validateCreditCode(code)).toEqual({ ok: false, reason: 'format' });
  });

  it('accepts exactly one check character for any 17 characters of the alphabet (property)', () => {
    const char = fc.constantFrom(...CC_ALPHABET);
    fc.assert(
      fc.property(fc.array(char, { minLength: 17, maxLength: 17 }), (chars) => {
        const valid = withCreditCheck(chars.join(''));
        expect(isValidCreditCode(valid)).toBe(true);
        const others = [...CC_ALPHABET].filter((c) => c !== valid[17]);
        expect(others.filter((c) => isValidCreditCode(valid.slice(0, 17) + c))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('findFullIdNumbers (leak detection)', () => {
  const child = makeId('330103', '20210315', '024');

  it('finds ID numbers in log lines and JSON, uppercased, each once', () => {
    const text = [
      `{"level":30,"msg":"submitted","child":{"idNumber":"${child}"}}`,
      `guardian 11010519491231002x phoned`,
      `again: ${child}`,
    ].join('\n');
    expect(findFullIdNumbers(text)).toEqual([child, WELL_KNOWN_ID]);
  });

  it('finds an ID number glued to other digits, as in a key without separator or a binary record', () => {
    expect(findFullIdNumbers(`key=2027${WELL_KNOWN_ID}`)).toEqual([WELL_KNOWN_ID]);
    expect(findFullIdNumbers(`\u0012\u0000${child}99\u0001`)).toEqual([child]);
  });

  it('ignores masked numbers, wrong check characters, impossible dates and short runs', () => {
    const wrongCheck = `${WELL_KNOWN_ID.slice(0, 17)}3`;
    const impossibleDate = makeId('110105', '20231345', '123');
    const text = `${maskIdNumber(child)} ${wrongCheck} ${impossibleDate} ${WELL_KNOWN_ID.slice(0, 17)} 1732200000000`;
    expect(findFullIdNumbers(text)).toEqual([]);
  });
});
