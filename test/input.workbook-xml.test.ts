import { describe, expect, it } from 'vitest';
import { decodeEscapes, XmlStream } from '../src/input/workbook/xml-events.js';

/** Every event as a line: `<name a=1>`, `</name>`, `"text"` (adjacent text pieces joined). */
function events(chunks: readonly string[]): string[] {
  const seen: string[] = [];
  const xml = new XmlStream({
    open: (name, attributes) => seen.push(`<${name}${Object.entries(attributes).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join('')}>`),
    close: (name) => seen.push(`</${name}>`),
    text: (text) => {
      const last = seen.at(-1);
      if (last?.startsWith('"')) seen[seen.length - 1] = JSON.stringify(JSON.parse(last) + text);
      else seen.push(JSON.stringify(text));
    },
  });
  for (const chunk of chunks) xml.write(chunk);
  xml.end();
  return seen;
}

const DOCUMENT =
  '\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' +
  '<!-- Excel writes no comments; others may -->' +
  '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>' +
  `<x:row r="1" spans='1:3'><x:c r = "A1" t="inlineStr"><x:is><x:t xml:space="preserve"> a &amp; b &lt;c&gt; &#233;&#x263A; </x:t></x:is></x:c>` +
  `<x:c r="B1" s="2" t="str"><x:f>IF(A1&gt;0,"&gt;","")</x:f><x:v><![CDATA[<not a tag>]]></x:v></x:c>` +
  `<x:c r="C1" t='s' note='a > b "quoted"'/></x:row>` +
  '<x:row r="2"><x:c r="A2"><x:v>line\r\nbreak</x:v></x:c></x:row>' +
  '</x:sheetData></x:worksheet>\n';

const EXPECTED = [
  '<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
  '<sheetData>',
  '<row r="1" spans="1:3">',
  '<c r="A1" t="inlineStr">',
  '<is>',
  '<t xml:space="preserve">',
  JSON.stringify(' a & b <c> é☺ '),
  '</t>',
  '</is>',
  '</c>',
  '<c r="B1" s="2" t="str">',
  '<f>',
  JSON.stringify('IF(A1>0,">","")'),
  '</f>',
  '<v>',
  JSON.stringify('<not a tag>'),
  '</v>',
  '</c>',
  '<c r="C1" t="s" note="a > b \\"quoted\\"">',
  '</c>',
  '</row>',
  '<row r="2">',
  '<c r="A2">',
  '<v>',
  JSON.stringify('line\nbreak'),
  '</v>',
  '</c>',
  '</row>',
  '</sheetData>',
  '</worksheet>',
];

describe('XmlStream: the XML of workbook parts', () => {
  it('reads elements (prefix dropped), attributes in either quote, entities, character references, CDATA, comments and declarations', () => {
    expect(events([DOCUMENT])).toEqual(EXPECTED);
  });

  it('gives the same events however the text is cut into chunks', () => {
    for (let cut = 0; cut <= DOCUMENT.length; cut++) {
      expect(events([DOCUMENT.slice(0, cut), DOCUMENT.slice(cut)]), `cut at ${cut}`).toEqual(EXPECTED);
    }
    expect(events([...DOCUMENT])).toEqual(EXPECTED);
  });

  it.each([
    ['a closing tag that closes another element', '<a><b></a></b>', /<\/a> where <\/b> was expected/],
    ['a closing tag with nothing open', '<a></a></b>', /<\/b> closes nothing/],
    ['an element never closed', '<a><b></b>', /ends before <\/a>/],
    ['markup cut short', '<a><b r="1', /ends inside markup/],
    ['an unknown entity', '<a>&nbsp;</a>', /unknown entity &nbsp;/],
    ['an ampersand that starts no entity', '<a>fish & chips</a>', /an & that starts no entity/],
    ['text outside the root element', 'hello<a/>', /text outside the root element/],
    ['an attribute without quotes', '<a r=1></a>', /has attributes that are not name="value"/],
    ['an empty part', '', /empty/],
  ])('refuses %s', (_, text, message) => {
    expect(() => events([text])).toThrow(message);
  });
});

describe('decodeEscapes: OOXML _xHHHH_ escapes', () => {
  it.each([
    ['line one_x000D_\nline two', 'line one\r\nline two'],
    ['tab_x0009_here', 'tab\there'],
    ['a literal _x005F_x000D_', 'a literal _x000D_'],
    ['no escape_x00_', 'no escape_x00_'],
    ['plain', 'plain'],
  ])('%j -> %j', (stored, shown) => {
    expect(decodeEscapes(stored)).toBe(shown);
  });
});
