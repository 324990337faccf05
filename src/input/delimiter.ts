import { RunError } from '../errors.js';

/** The field delimiters an input file may use (SPEC §1). */
export type Delimiter = ',' | ';' | '\t';

const CANDIDATES: readonly Delimiter[] = [',', ';', '\t'];

/**
 * Picks the delimiter of a file from its header line: the candidate that occurs most often
 * outside quotes. Quotes matter because a header such as `"Name, first";UPN;SKU` must read as
 * semicolon-delimited (csv-parse's own `delimiter_auto` counts inside quotes too). Ties go to
 * `,`, then `;`, then tab; a line without any candidate (a one-column file) reads as `,`.
 * Only the first line of `text` is looked at, so a longer prefix of the file may be passed.
 */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (let i = 0; i < headerLine.length; i++) {
    const ch = headerLine[i]!;
    if (ch === '"') {
      // A doubled quote inside a quoted field toggles twice and so changes nothing.
      quoted = !quoted;
      continue;
    }
    if (quoted) continue;
    if (ch === '\n' || ch === '\r') break;
    const count = counts.get(ch);
    if (count !== undefined) counts.set(ch, count + 1);
  }
  let best: Delimiter = ',';
  for (const candidate of CANDIDATES) {
    if (counts.get(candidate)! > counts.get(best)!) best = candidate;
  }
  return best;
}

/**
 * Reads the value of `--delimiter`: `,`, `;`, or `tab` (also `\t` and a literal tab, which a
 * shell makes hard to type but a script may pass).
 */
export function parseDelimiterOption(value: string): Delimiter {
  const lower = value.toLowerCase();
  if (value === ',' || value === ';') return value;
  if (lower === 'tab' || value === '\t' || value === '\\t') return '\t';
  throw new RunError('USAGE', `Invalid option --delimiter: expect ",", ";" or "tab", got ${JSON.stringify(value)}`);
}
