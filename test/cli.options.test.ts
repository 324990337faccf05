import { describe, expect, it } from 'vitest';
import { RunError } from '../src/errors.js';
import { parseRunOptions, parseSimulateOptions, parseSyncOptions, parseValidateOptions } from '../src/cli/options.js';

function usageError(fn: () => unknown): RunError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).exitCode).toBe(2);
    return error as RunError;
  }
  throw new Error('expected a usage error');
}

describe('run options', () => {
  it('has the documented defaults', () => {
    expect(parseRunOptions(['in.csv'])).toEqual({
      input: 'in.csv',
      cloud: 'global',
      dryRun: false,
      resume: false,
      strict: false,
      concurrency: 'auto',
      maxRetries: 6,
      maxRate: undefined,
      batchSize: 1,
      noRead: false,
      disabledPlans: 'replace',
      log: 'text',
      quiet: false,
    });
  });

  it('reads every flag', () => {
    const options = parseRunOptions([
      'in.csv', '--out', 'o.csv', '--dry-run', '--resume', '--strict', '--concurrency', '16', '--max-retries', '0',
      '--max-rate', 'off', '--batch-size', '20', '--usage-location', 'de', '--no-read', '--disabled-plans', 'merge', '--undo-out', 'u.csv', '--delimiter', 'tab', '--cloud', 'usgov', '--graph-url', 'http://127.0.0.1:9', '--log', 'json', '--quiet',
    ]);
    expect(options).toMatchObject({
      out: 'o.csv', dryRun: true, resume: true, strict: true, concurrency: 16, maxRetries: 0, maxRate: 'off', batchSize: 20, defaultUsageLocation: 'DE', noRead: true, disabledPlans: 'merge', undoOut: 'u.csv',
      delimiter: '\t', cloud: 'usgov', graphUrl: 'http://127.0.0.1:9', log: 'json', quiet: true,
    });
    expect(parseRunOptions(['in.csv', '--max-rate', '12.5']).maxRate).toBe(12.5);
    expect(parseRunOptions(['in.csv', '--concurrency', 'AUTO']).concurrency).toBe('auto');
    expect(parseRunOptions(['in.csv', '--report', 'board.html'])).toMatchObject({ report: 'board.html' });
    expect(parseRunOptions(['in.csv', '--no-report'])).toMatchObject({ noReport: true });
    expect(parseRunOptions(['wave3.xlsx', '--sheet', 'Leavers'])).toMatchObject({ input: 'wave3.xlsx', sheet: 'Leavers' });
  });

  it.each([
    { args: ['in.csv', '--concurrency', '0'], says: '--concurrency' },
    { args: ['in.csv', '--concurrency', 'many'], says: 'expect auto or a whole number from 1 to 256, got "many"' },
    { args: ['in.csv', '--concurrency', '257'], says: '"257"' },
    { args: ['in.csv', '--max-rate', '-3'], says: '--max-rate' },
    { args: ['in.csv', '--batch-size', '21'], says: 'from 1 to 20' },
    { args: ['in.csv', '--usage-location', 'XX'], says: '--usage-location' },
    { args: ['in.csv', '--cloud', 'mars'], says: 'global, usgov, usgovdod, china' },
    { args: ['in.csv', '--log', 'xml'], says: '--log' },
    { args: ['in.csv', '--disabled-plans', 'union'], says: 'replace, merge' },
    { args: ['in.csv', '--delimiter', '|'], says: '|' },
    { args: ['in.csv', '--frobnicate'], says: '--frobnicate' },
    { args: [], says: 'needs <input.csv>' },
    { args: ['a.csv', 'b.csv'], says: 'one input file' },
    { args: ['in.csv', '--report', 'r.html', '--no-report'], says: 'contradict' },
    { args: ['in.csv', '--report', ' '], says: '--report' },
    { args: ['in.xlsx', '--sheet', ' '], says: 'Invalid option --sheet: expect the name of a worksheet' },
  ])('refuses $args', ({ args, says }) => {
    expect(usageError(() => parseRunOptions(args)).message).toContain(says);
  });
});

describe('other commands', () => {
  it('validate takes a file and a delimiter', () => {
    expect(parseValidateOptions(['-', '--delimiter', ';'])).toEqual({ input: '-', delimiter: ';' });
    expect(parseValidateOptions(['wave3.xlsx', '--sheet', 'Leavers'])).toEqual({ input: 'wave3.xlsx', sheet: 'Leavers' });
    usageError(() => parseValidateOptions(['in.csv', '--out', 'x']));
  });

  it('simulate takes a port and a tenant', () => {
    expect(parseSimulateOptions(['--port', '0', '--tenant', 't.json'])).toEqual({ port: 0, tenant: 't.json' });
    usageError(() => parseSimulateOptions(['--port', '70000']));
  });
});

describe('sync options', () => {
  it("takes run's options, --sku (repeated), --max-removes and --changes", () => {
    const options = parseSyncOptions(['hr.csv', '--sku', 'EMS', '--sku', 'ENTERPRISEPACK', '--max-removes', '25%', '--changes', 'c.csv', '--out', 'r.csv', '--dry-run', '--max-rate', 'off', '--log', 'json']);
    expect(options).toMatchObject({ input: 'hr.csv', skus: ['EMS', 'ENTERPRISEPACK'], maxRemoves: { kind: 'percent', percent: 25 }, changes: 'c.csv', out: 'r.csv', dryRun: true, maxRate: 'off', log: 'json', resume: false, noRead: false, disabledPlans: 'replace' });
    expect(parseSyncOptions(['hr.csv', '--max-removes', '40']).maxRemoves).toEqual({ kind: 'count', count: 40 });
    expect(parseSyncOptions(['hr.csv']).maxRemoves).toBeUndefined();
  });

  it.each([
    [['hr.csv', '--resume'], /sync takes no --resume: .*license-batch run <changes> --out <results> --resume/],
    [['hr.csv', '--no-read'], /sync takes no --no-read/],
    [['hr.csv', '--disabled-plans=merge'], /sync takes no --disabled-plans/],
    [['hr.csv', '--max-removes=-1'], /Invalid option --max-removes: .*got "-1"/],
    [['hr.csv', '--max-removes', '101%'], /Invalid option --max-removes/],
    [['hr.csv', '--max-removes', 'ten'], /Invalid option --max-removes/],
    [[], /sync needs <desired.csv>/],
  ])('refuses %j', (args, message) => {
    expect(usageError(() => parseSyncOptions(args)).message).toMatch(message);
  });
});
