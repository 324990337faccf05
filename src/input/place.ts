/**
 * Where a record of the input is, as messages name it: `line 13` in a CSV file, `sheet "Users" row 13`
 * in a workbook (Excel's own row number, as the admin sees it on the left of the sheet).
 */
export function placeOf(line: number, sheet: string | undefined): string {
  return sheet === undefined ? `line ${line}` : `sheet ${JSON.stringify(sheet)} row ${line}`;
}
