import { afterEach, describe, expect, it } from 'vitest';
import { csv, runCli, tempDir } from './helpers/cli.js';
import { SKU, upn } from './helpers/tenant.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function validate(content: string, args: string[] = []) {
  const dir = await tempDir();
  cleanups.push(() => dir.dispose());
  const input = await dir.write('in.csv', content);
  return runCli(['validate', input, ...args], { env: {} });
}

describe('validate (offline)', () => {
  it('exits 0 for a clean file and reports its size', async () => {
    const result = await validate(csv([['upn', 'sku', 'action'], [upn(1), SKU.E3, 'add'], [upn(1), 'EMS', 'add'], [upn(2), 'Office 365 E3', 'remove']]));
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/3 rows, 3 valid, 0 invalid/);
    expect(result.stderr).toMatch(/2 assignLicense request/);
  });

  it('exits 1 and names row, line, column and value for each invalid row', async () => {
    const result = await validate(
      csv([
        ['UserPrincipalName', 'SkuId', 'Action', 'UsageLocation', 'Note'],
        [upn(1), SKU.E3, 'add', '', '"multi\nline"'],
        [upn(2), SKU.E3, 'delete', '', ''],
        [upn(3), SKU.E3, 'add', 'ZZ', ''],
        [upn(1), SKU.E3, 'remove', '', ''],
      ]),
    );
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.startsWith('row 2'))).toMatch(/^row 2 \(line 4\): .*Action.*"delete"/);
    expect(lines.find((l) => l.startsWith('row 3'))).toMatch(/^row 3 \(line 5\): .*UsageLocation.*"ZZ"/);
    expect(lines.find((l) => l.startsWith('row 4'))).toMatch(/^row 4 \(line 6\): .*row 1/);
    expect(lines.find((l) => l.startsWith('row 1'))).toMatch(/^row 1 \(line 2\): .*row 4/);
  });

  it('exits 2 for a structural problem, naming the line', async () => {
    const result = await validate(`upn,sku\n${upn(1)},${SKU.E3}\n"${upn(2)},${SKU.E3}\n${upn(3)},${SKU.E3}\n`);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line 3/);
  });

  it('exits 2 naming the path when the file cannot be read', async () => {
    const result = await runCli(['validate', '/nonexistent/licenses.csv'], { env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('/nonexistent/licenses.csv');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
