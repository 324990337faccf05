/**
 * The yardstick of SPEC §7's last target: a bare csv-parse -> csv-stringify pass over a file, with
 * nothing checked, run as its own process so that it is timed and measured as `validate` is.
 * Usage: node bare-pass.js <input.csv> <output.csv>
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  process.stderr.write('usage: bare-pass <input.csv> <output.csv>\n');
  process.exitCode = 2;
} else {
  await pipeline(createReadStream(input), parse({ bom: true }), stringify(), createWriteStream(output));
}
