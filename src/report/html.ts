/**
 * HTML built so that escaping cannot be forgotten: every value put into an {@link html} template is
 * escaped, unless it is itself HTML made by a template. Values from the sheet or from Graph (a
 * carried column holding `<script>`, a message quoting a user name) therefore reach the page as
 * text. Pure.
 */

/** A piece of HTML that templates made, and that may go into another template as it is. */
export class Html {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  toString(): string {
    return this.#text;
  }
}

/** What a template takes: text (escaped), numbers, HTML fragments, lists of them; nothing for `undefined`, `false` or `null`. */
export type HtmlValue = string | number | Html | readonly HtmlValue[] | undefined | null | false;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML that shows it as it is, in element content and in quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A tagged template: `html\`<td>${value}</td>\`` escapes `value` unless it is {@link Html}. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'number') return escapeHtml(formatNumber(value));
  return escapeHtml(value as string);
}

/** Whole numbers with thousands separators (a change board reads 12,400, not 12400); others as given. */
export function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : String(n);
}
