import type { Header } from './header.js';

/**
 * Rows are read with their license cells trimmed (a space copied along with a UPN is not another
 * user), and the results say so, so that an admin who searches the sheet for the exact value is not
 * surprised: the note for one row's values, or undefined when no license cell had spaces around it.
 */
export function trimmedNote(values: readonly string[], header: Header): string | undefined {
  const notes: string[] = [];
  for (const index of Object.values(header.columns) as number[]) {
    const value = values[index] ?? '';
    const trimmed = value.trim();
    if (trimmed !== value && trimmed !== '') {
      notes.push(`${header.names[index]} ${JSON.stringify(value)} was read as ${JSON.stringify(trimmed)}`);
    }
  }
  return notes.length === 0 ? undefined : `${notes.join('; ')} (spaces around it trimmed)`;
}
