/** What a part's reader hears from the XML tokenizer: element names without their namespace prefix. */
export interface XmlHandlers {
  open(name: string, attributes: Readonly<Record<string, string>>): void;
  close?(name: string): void;
  /** Character data (text and CDATA, entities decoded), in pieces. */
  text?(text: string): void;
}

/** Longest markup (a tag, a comment, a CDATA section) held while waiting for its end: far past anything Excel writes. */
const MAX_MARKUP = 16 * 1024 * 1024;

/**
 * A streaming XML tokenizer for the parts of a workbook, fed text in chunks of any size. It reads
 * what SpreadsheetML parts are made of (elements, attributes in either quotes, text, the five
 * entities and character references, CDATA, comments, processing instructions) and checks that
 * elements nest and close; it expands no DTD entity (a workbook has no DTD). Some writers (the Open
 * XML SDK) prefix SpreadsheetML's elements (`x:row`): the prefix is dropped, as every part has one
 * vocabulary.
 *
 * Written here rather than taken from a general parser: a million-row sheet is about 180 MB of XML,
 * which saxes (the streaming parser first used) read at about 16 MB/s on the benchmark machine,
 * three times the time of the rest of `validate`; scanning for `<` and `>` with `indexOf` is several
 * times faster.
 *
 * @throws Error from {@link XmlStream.write} or {@link XmlStream.end} for text that is not
 * well-formed: a tag that does not close the element open, an unknown entity, markup cut short.
 */
export class XmlStream {
  readonly #handlers: XmlHandlers;
  /** Text not yet tokenized: the end of the last chunk, when it stopped inside markup. */
  #pending = '';
  /** Names of the open elements, as written. */
  readonly #open: string[] = [];
  #started = false;

  constructor(handlers: XmlHandlers) {
    this.#handlers = handlers;
  }

  write(chunk: string): void {
    let text = this.#pending === '' ? chunk : this.#pending + chunk;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.#pending = text.slice(this.#tokenize(text));
    if (this.#pending.length > MAX_MARKUP) throw new Error(`markup longer than ${MAX_MARKUP / 1024 / 1024} MiB without its end`);
  }

  end(): void {
    if (this.#pending.trim() !== '') throw new Error(`the XML ends inside markup: ${JSON.stringify(this.#pending.slice(0, 40))}`);
    if (this.#open.length > 0) throw new Error(`the XML ends before </${this.#open.at(-1)}>`);
    if (!this.#started) throw new Error('the XML part is empty');
  }

  /** Tokenizes as far as `text` has complete markup; returns where the incomplete rest starts. */
  #tokenize(text: string): number {
    const handlers = this.#handlers;
    let at = 0;
    while (at < text.length) {
      const lt = text.indexOf('<', at);
      if (lt === -1) {
        // Text up to the end may continue in the next chunk (an entity may be cut): keep it.
        return at;
      }
      if (lt > at) this.#text(text.slice(at, lt));
      const next = text.charCodeAt(lt + 1);
      if (Number.isNaN(next)) return lt;
      if (next === 0x2f /* / */) {
        const gt = text.indexOf('>', lt + 2);
        if (gt === -1) return lt;
        this.#close(text.slice(lt + 2, gt).trim());
        at = gt + 1;
      } else if (next === 0x21 /* ! */) {
        if (text.startsWith('<!--', lt)) {
          const endAt = text.indexOf('-->', lt + 4);
          if (endAt === -1) return lt;
          at = endAt + 3;
        } else if (text.startsWith('<![CDATA[', lt)) {
          const endAt = text.indexOf(']]>', lt + 9);
          if (endAt === -1) return lt;
          if (this.#open.length === 0) throw new Error('CDATA outside the root element');
          handlers.text?.(text.slice(lt + 9, endAt));
          at = endAt + 3;
        } else {
          // <!DOCTYPE ...>: no workbook part has one; its entities are not expanded.
          const gt = text.indexOf('>', lt);
          if (gt === -1) return lt;
          at = gt + 1;
        }
      } else if (next === 0x3f /* ? */) {
        const endAt = text.indexOf('?>', lt + 2);
        if (endAt === -1) return lt;
        at = endAt + 2;
      } else {
        const end = this.#openTag(text, lt + 1);
        if (end === -1) return lt;
        at = end;
      }
    }
    return at;
  }

  #text(raw: string): void {
    if (this.#open.length === 0) {
      if (raw.trim() !== '') throw new Error(`text outside the root element: ${JSON.stringify(raw.trim().slice(0, 40))}`);
      return;
    }
    this.#handlers.text?.(decodeText(raw));
  }

  /**
   * Reads the start tag whose name begins at `start`, attributes and all, in one pass, and hands it
   * on; returns where the text after it starts, or -1 when the text stops inside the tag (nothing is
   * handed on then: the tag is read again with the next chunk).
   */
  #openTag(text: string, start: number): number {
    let i = start;
    while (i < text.length && !isNameEnd(text.charCodeAt(i))) i++;
    if (i === text.length) return -1;
    const name = text.slice(start, i);
    if (name === '') throw new Error(`a tag without a name at ${JSON.stringify(text.slice(start - 1, start + 20))}`);
    let attributes: Record<string, string> | undefined;
    for (;;) {
      while (i < text.length && isSpace(text.charCodeAt(i))) i++;
      if (i === text.length) return -1;
      const ch = text.charCodeAt(i);
      if (ch === 0x3e /* > */) {
        this.#handlers.open(localName(name), attributes ?? NO_ATTRIBUTES);
        this.#open.push(name);
        return i + 1;
      }
      if (ch === 0x2f /* / */) {
        if (i + 1 === text.length) return -1;
        if (text.charCodeAt(i + 1) !== 0x3e) throw new Error(`a "/" inside the tag <${name}>`);
        this.#handlers.open(localName(name), attributes ?? NO_ATTRIBUTES);
        this.#handlers.close?.(localName(name));
        return i + 2;
      }
      const equals = text.indexOf('=', i);
      if (equals === -1) return text.length - i > 1024 ? malformed(name) : -1;
      const attribute = text.slice(i, equals).trim();
      let q = equals + 1;
      while (q < text.length && isSpace(text.charCodeAt(q))) q++;
      if (q === text.length) return -1;
      const quote = text.charCodeAt(q);
      if (quote !== 0x22 && quote !== 0x27) return malformed(name);
      const close = text.indexOf(quote === 0x22 ? '"' : "'", q + 1);
      if (close === -1) return -1;
      if (attribute === '' || attribute.includes('<') || attribute.includes('>')) return malformed(name);
      const value = text.slice(q + 1, close);
      (attributes ??= {})[attribute] = value.includes('&') ? decodeEntities(value) : value;
      i = close + 1;
    }
  }

  #close(name: string): void {
    const open = this.#open.pop();
    if (open !== name) throw new Error(open === undefined ? `</${name}> closes nothing` : `</${name}> where </${open}> was expected`);
    this.#handlers.close?.(localName(name));
  }
}

const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

function malformed(name: string): never {
  throw new Error(`the tag <${name}> has attributes that are not name="value"`);
}

/** Whitespace, `/` or `>`: the end of a tag's name. */
function isNameEnd(ch: number): boolean {
  return ch === 0x20 || ch === 0x3e || ch === 0x2f || ch === 0x09 || ch === 0x0a || ch === 0x0d;
}

function decodeText(raw: string): string {
  let text = raw.includes('&') ? decodeEntities(raw) : raw;
  // XML's end-of-line handling: CRLF and a lone CR are read as LF.
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  return text;
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new Error(`an & that starts no entity: ${JSON.stringify(whole)}`);
    const known = ENTITIES[name];
    if (known !== undefined) return known;
    const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : name.startsWith('#') ? parseInt(name.slice(1), 10) : Number.NaN;
    if (!Number.isInteger(code) || code < 0 || code > 0x10ffff) throw new Error(`an unknown entity ${whole}`);
    return String.fromCodePoint(code);
  });
}

function isSpace(ch: number): boolean {
  return ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** Parses a whole part (a small one: the workbook, relationships, styles). */
export function parseXml(text: string, handlers: XmlHandlers): void {
  const stream = new XmlStream(handlers);
  stream.write(text);
  stream.end();
}

/** OOXML's escape for characters XML cannot hold (`_x000D_` for a carriage return; `_x005F_` for `_`). */
export function decodeEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
