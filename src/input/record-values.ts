/**
 * The values of one input record, however the file holds them (CSV fields or workbook cells): the
 * rules that make a workbook row and a CSV line with the same content the same record.
 */

/** A record whose every value is empty or white space: skipped, and not counted as a row. */
export function isBlank(values: readonly string[]): boolean {
  return values.every((value) => value.trim() === '');
}

/**
 * The record's own array, cut or padded to the kept columns (one array less per row), with a
 * results file's formula escape undone, so that a results file reads as the input it came from.
 */
export function keptValues(values: string[], keptCount: number): string[] {
  if (values.length > keptCount) values.length = keptCount;
  while (values.length < keptCount) values.push('');
  for (let i = 0; i < keptCount; i++) {
    if (values[i]!.charCodeAt(0) === 0x27) values[i] = unescapeFormula(values[i]!);
  }
  return values;
}

/**
 * Undoes the results file's protection against formula injection (csv-stringify's
 * `escape_formulas`): `'` before `= + - @`, tab or CR.
 */
export function unescapeFormula(value: string): string {
  if (value.length < 2 || value.charCodeAt(0) !== 0x27) return value;
  return '=+-@\t\r'.includes(value[1]!) ? value.slice(1) : value;
}
