import { mkdir, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { csv, tempDir } from './helpers/cli.js';
import { findSecrets } from './helpers/secrets.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { withSimulator } from './helpers/with-simulator.js';

/** The secret scan every end-to-end test goes through must itself be able to fail. */
describe('the secret scan of the end-to-end harness', () => {
  it('finds a secret in an output and in a file of a nested folder, and names where without repeating it', async () => {
    const dir = await tempDir();
    try {
      await mkdir(dir.file('logs'));
      await writeFile(dir.file('logs/run.log'), 'token=hunter2-secret\n');
      const found = await findSecrets(['hunter2-secret', 'never-there'], { outputs: ['ok', 'Bearer hunter2-secret'], paths: [dir.path] });
      expect(found).toEqual(['output #2: secret #1', `${dir.file('logs/run.log')}: secret #1`]);
      expect(found.join('\n')).not.toContain('hunter2');
    } finally {
      await dir.dispose();
    }
  });

  it('refuses a test secret too short to be told from chance', async () => {
    await expect(findSecrets(['abc'], { outputs: ['x'] })).rejects.toThrow(/3 characters/);
  });

  it('fails a test whose run wrote the token into its results file', async () => {
    const leaky = withSimulator({ tenant: testTenant({ users: 1 }) }, async ({ dir, cli, url, env }) => {
      // A sheet that carries the token in a column of its own: the results file repeats it.
      const input = await dir.write('in.csv', csv([['upn', 'sku', 'Note'], [upn(1), SKU.E3, String(env.GRAPH_ACCESS_TOKEN)]]));
      expect((await cli(['run', input, '--graph-url', url])).code).toBe(0);
    });
    await expect(leaky).rejects.toThrow(/a secret was written out:\n[\s\S]*in\.results\.csv: secret #1/);
  });
});
