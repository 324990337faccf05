import { SaxesParser } from 'saxes';

/** What a part's reader hears from the XML parser: element names without their namespace prefix. */
export interface XmlHandlers {
  open(name: string, attributes: Readonly<Record<string, string>>): void;
  close?(name: string): void;
  /** Character data (text and CDATA), in pieces. */
  text?(text: string): void;
}

/**
 * A streaming XML parser (saxes) for one workbook part. Some writers (the Open XML SDK) prefix
 * SpreadsheetML's elements (`x:row`); the prefix is dropped, as every part has one vocabulary.
 * Malformed XML throws from {@link XmlStream.write} or {@link XmlStream.end}.
 */
export class XmlStream {
  readonly #parser = new SaxesParser({ position: false, xmlns: false });
  #error: Error | undefined;

  constructor(handlers: XmlHandlers) {
    const parser = this.#parser;
    // Without xmlns processing, attributes are plain strings.
    parser.on('opentag', (tag) => handlers.open(localName(tag.name), tag.attributes as Record<string, string>));
    if (handlers.close) {
      const close = handlers.close;
      parser.on('closetag', (tag) => close(localName(tag.name)));
    }
    if (handlers.text) {
      parser.on('text', handlers.text);
      parser.on('cdata', handlers.text);
    }
    parser.on('error', (error) => {
      this.#error ??= error;
    });
  }

  write(chunk: string): void {
    this.#parser.write(chunk);
    this.#check();
  }

  end(): void {
    this.#parser.close();
    this.#check();
  }

  #check(): void {
    if (this.#error) throw this.#error;
  }
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
