import { describe, expect, it } from 'vitest';
import { cellText, formatCodeOf } from '../src/input/workbook/cell-text.js';

const BUILT_IN = new Map<number, string>();

describe('cellText: a stored cell and its number format -> the text Excel shows', () => {
  it.each([
    // type, stored value, format code, shown text
    ['n', '42', 'General', '42'],
    ['n', '0.30000000000000004', 'General', '0.3'],
    ['n', '-1.5', 'General', '-1.5'],
    ['n', '123456789012', 'General', '1.23457E+11'], // Excel's General shows 12 digits and more in scientific notation
    ['n', '12345678901', 'General', '12345678901'],
    ['n', '42', '0000', '0042'],
    ['n', '7', '"EMP"0000', 'EMP0007'],
    ['n', '3.14159', '0.00', '3.14'],
    ['n', '1234567.891', '#,##0.00', '1,234,567.89'],
    ['n', '0.256', '0%', '26%'],
    ['n', '0.256', '0.00%', '25.60%'],
    ['n', '12345', '0.00E+00', '1.23E+04'],
    ['n', '45306', 'm/d/yyyy', '1/15/2024'], // built-in 14 in en-US Excel
    ['n', '45306', 'yyyy-mm-dd', '2024-01-15'],
    ['n', '45306', 'dd.mm.yyyy', '15.01.2024'],
    ['n', '45306', 'd-mmm-yy', '15-Jan-24'],
    ['n', '45306.75', 'm/d/yyyy h:mm', '1/15/2024 18:00'],
    ['n', '0.5', 'h:mm:ss', '12:00:00'],
    ['n', '0.75', 'h:mm AM/PM', '6:00 PM'],
    ['n', '1.5', '[h]:mm', '36:00'],
    ['n', '60', 'm/d/yyyy', '2/29/1900'], // Excel's (and Lotus 1-2-3's) day that never was
    ['n', '42', '@', '42'],
    [undefined, '42', 'General', '42'], // no t attribute: a number
    ['n', '', 'General', ''],
    ['n', '  ', '0000', ''],
    ['b', '1', 'General', 'TRUE'],
    ['b', '0', 'General', 'FALSE'],
    ['e', '#N/A', 'General', '#N/A'],
    ['e', '#DIV/0!', '0.00', '#DIV/0!'],
    ['str', 'a formula\'s text', 'General', 'a formula\'s text'],
    ['str', '0042', '0.00', '0042'], // a formula's text result is text, whatever the format
    ['s', '0042', 'General', '0042'],
    ['inlineStr', '0042', '0000', '0042'],
    ['d', '2024-01-15T00:00:00Z', 'General', '2024-01-15T00:00:00Z'],
  ] as const)('%s %j with %j shows %j', (type, value, format, shown) => {
    expect(cellText({ type, value }, format)).toBe(shown);
  });

  it('counts dates from 1904 in a workbook that says so (old Mac workbooks), and leaves plain numbers alone', () => {
    // 43844 days after 1904-01-01 is 2024-01-15.
    expect(cellText({ type: 'n', value: '43844' }, 'yyyy-mm-dd', { date1904: true })).toBe('2024-01-15');
    expect(cellText({ type: 'n', value: '43844' }, '0000', { date1904: true })).toBe('43844');
    expect(cellText({ type: 'n', value: '43844' }, 'yyyy-mm-dd')).toBe('2020-01-14');
  });

  it('falls back to General for a format code it cannot read, rather than lose the value', () => {
    expect(cellText({ type: 'n', value: '42.5' }, '0.00;;;;;[[[')).toBe('42.5');
  });
});

describe('formatCodeOf: a style\'s number format id -> its format code', () => {
  it.each([
    [0, 'General'],
    [1, '0'],
    [2, '0.00'],
    [3, '#,##0'],
    [9, '0%'],
    [10, '0.00%'],
    [14, 'm/d/yyyy'],
    [15, 'd-mmm-yy'],
    [20, 'h:mm'],
    [21, 'h:mm:ss'],
    [22, 'm/d/yyyy h:mm'],
    [49, '@'],
  ])('built-in %i is %j', (id, code) => {
    expect(formatCodeOf(id, BUILT_IN)).toBe(code);
  });

  it("prefers the workbook's own format of an id, and reads an id nobody knows as General", () => {
    const custom = new Map([
      [164, 'yyyy-mm-dd'],
      [14, 'dd/mm/yyyy'],
    ]);
    expect(formatCodeOf(164, custom)).toBe('yyyy-mm-dd');
    expect(formatCodeOf(14, custom)).toBe('dd/mm/yyyy');
    expect(formatCodeOf(165, custom)).toBe('General');
  });
});
