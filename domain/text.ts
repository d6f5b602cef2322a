/**
 * Text the service accepts and shortens. One rule for every entrance (the API, workflow acts, spreadsheets):
 *
 * - Text must be well-formed Unicode without NUL. PostgreSQL refuses a lone UTF-16 surrogate (half an emoji or half
 *   a rare CJK character such as 𠀀) and U+0000 in text; a recording refused for its content would otherwise retry
 *   for ever and freeze the workflow that makes it.
 * - Text is shortened by code points, never by UTF-16 units, so a cut never leaves half a character behind. Code
 *   points are also what PostgreSQL's varchar(n) counts.
 */

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a text cannot be stored, in Chinese for the person who typed it; null when it can. */
export function textProblem(text: string): string | null {
  if (LONE_SURROGATE.test(text)) return '含有不完整的字符（半个表情符号或生僻字），请删除后重新输入';
  if (text.includes('\u0000')) return '含有空字符（U+0000），请删除后重新输入';
  return null;
}

/** Every string (and object key) in a JSON-like value that cannot be stored, named by its path (`body.items.0.title`). */
export function textProblemsIn(value: unknown, where: string): { field: string; message: string }[] {
  const found: { field: string; message: string }[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) found.push({ field: path, message: problem });
    } else if (v !== null && typeof v === 'object' && depth < 32) {
      for (const [key, child] of Object.entries(v)) {
        const keyProblem = textProblem(key);
        if (keyProblem) found.push({ field: `${path}.${key.replace(new RegExp(LONE_SURROGATE, 'g'), '\uFFFD')}`, message: `字段名${keyProblem}` });
        else walk(child, `${path}.${key}`, depth + 1);
      }
    }
  };
  walk(value, where, 0);
  return found;
}

/** The first `max` code points of a text, ending in … when something was cut (the … counts in `max`). */
export function clipText(text: string, max: number): string {
  const points = Array.from(text);
  return points.length > max ? `${points.slice(0, Math.max(max - 1, 0)).join('')}…` : text;
}

/** A text the service did not take from a person (an error message, a log line) made storable: bad characters replaced. */
export function storableText(text: string): string {
  return text.replace(new RegExp(LONE_SURROGATE, 'g'), '\uFFFD').replaceAll('\u0000', '\uFFFD');
}
