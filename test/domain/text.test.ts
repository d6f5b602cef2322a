/** Shortening text by code points (domain/text.ts): a cut never leaves half a character behind. */
import fc from 'fast-check';
import { clipText, textProblem } from '../../domain/text';

describe('clipText', () => {
  it('cuts a title with 𠀀 (two UTF-16 units) at the limit without splitting it', () => {
    const title = `${'甲'.repeat(198)}𠀀乙丙`;
    const clipped = clipText(title, 200);
    expect(textProblem(clipped)).toBeNull();
    expect(Array.from(clipped)).toHaveLength(200);
    expect(clipped.endsWith('𠀀…')).toBe(true);
  });

  it('keeps text within the limit as it is', () => {
    expect(clipText('核验居住证', 5)).toBe('核验居住证');
    expect(clipText('核验居住证', 4)).toBe('核验居…');
  });

  it('never makes well-formed text ill-formed or more code points than asked, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 1, max: 40 }), (text, max) => {
        const clipped = clipText(text, max);
        if (textProblem(text) === null) expect(textProblem(clipped)).toBeNull();
        expect(Array.from(clipped).length).toBeLessThanOrEqual(Math.max(max, 1));
      }),
    );
  });
});
