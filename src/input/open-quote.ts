/** Where a quoted field that csv-parse could not finish was opened. */
export interface OpenQuote {
  /** 1-based physical line of the opening quote. */
  readonly line: number;
  /** `unclosed`: still open at the end of the file; `too-long`: open for more than `maxFieldLength` characters. */
  readonly kind: 'unclosed' | 'too-long';
}

/**
 * Finds the opening quote of the field that runs away: the first quoted field from `fromLine` on
 * that is still open at the end of the text or longer than `maxFieldLength`. `fromLine` is a record
 * boundary at or before the failing record (csv-parse drops the records it had parsed but not yet
 * handed over when it fails). Quoting rules are the ones the reader gives csv-parse: a quote opens a
 * field only at its start, `""` inside is a quote, a quote elsewhere is a plain character.
 *
 * csv-parse itself reports where it *gave up* (the end of the file), not where the quote was
 * opened, and that is the line an admin has to fix. Only called on that error path: it reads the
 * file a second time, in constant memory.
 */
export async function findOpenQuote(
  text: AsyncIterable<string> | Iterable<string>,
  options: { readonly fromLine: number; readonly delimiter: string; readonly maxFieldLength: number },
): Promise<OpenQuote | undefined> {
  const { fromLine, delimiter, maxFieldLength } = options;
  let line = 1;
  let afterCR = false;
  let fieldStart = true;
  let quoted = false;
  let quoteSeen = false;
  let quoteLine = 0;
  let quoteLength = 0;
  for await (const chunk of text) {
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i]!;
      // The LF of a CRLF: the CR already counted the line.
      if (afterCR) {
        afterCR = false;
        if (ch === '\n') continue;
      }
      const isBreak = ch === '\r' || ch === '\n';
      if (line < fromLine) {
        if (isBreak) {
          line++;
          afterCR = ch === '\r';
        }
        continue;
      }
      if (quoted) {
        if (quoteSeen) {
          quoteSeen = false;
          if (ch === '"') continue;
          quoted = false;
          fieldStart = false;
          // The quote closed the field; `ch` is read as a character outside quotes below.
        } else if (ch === '"') {
          quoteSeen = true;
          continue;
        } else {
          if (isBreak) {
            line++;
            afterCR = ch === '\r';
          }
          if (++quoteLength > maxFieldLength) return { line: quoteLine, kind: 'too-long' };
          continue;
        }
      }
      if (ch === '"' && fieldStart) {
        quoted = true;
        quoteLine = line;
        quoteLength = 0;
        fieldStart = false;
      } else if (ch === delimiter) {
        fieldStart = true;
      } else if (isBreak) {
        line++;
        afterCR = ch === '\r';
        fieldStart = true;
      } else {
        fieldStart = false;
      }
    }
  }
  return quoted && !quoteSeen ? { line: quoteLine, kind: 'unclosed' } : undefined;
}
