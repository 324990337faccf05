import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import { RunError } from '../errors.js';
import type { GraphRequest } from '../graph/graph-client.js';
import { directAssignmentRows, EXPORT_COLUMNS } from '../export/direct-assignments.js';
import { listUsers } from '../tenant/list-users.js';
import { loadReferenceTable } from '../input/reference-table.js';
import { UTF8_BOM } from '../results/results-file.js';
import { skuModel } from '../tenant/sku-model.js';
import { skuOptionIds } from '../tenant/sku-option.js';
import { readTenantSkus } from '../tenant/tenant-skus.js';
import { unreadableLicenses } from '../tenant/user-licenses.js';
import { openGraphConnection, readOnlySender } from './connection.js';
import type { CliIO } from './io.js';
import type { ExportOptions } from './options.js';

/**
 * `license-batch export`: every user's direct assignments in this tool's input format, so that a
 * tenant's licensing can be kept, reviewed, or applied again. Values are written plain (no formula
 * escaping): the file is input for this tool, not a report.
 */
export async function exportCommand(options: ExportOptions, io: CliIO): Promise<number> {
  const transport = await openGraphConnection(options, io, 2);
  try {
    const sender = readOnlySender(transport, io);
    const tenantSkus = await readTenantSkus((request) => sender.send(request, 'skus'));
    const send = (request: GraphRequest) => sender.send(request, 'list');
    const model = skuModel(tenantSkus, await loadReferenceTable());
    const only = options.skus.length > 0 ? new Set(skuOptionIds(options.skus, model)) : undefined;

    const out = options.out === undefined ? io.stdout : createWriteStream(options.out);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    let users = 0;
    let assignments = 0;
    await write((options.out === undefined ? '' : UTF8_BOM) + stringify([[...EXPORT_COLUMNS]]));
    for await (const user of listUsers(['id', 'userPrincipalName', 'assignedLicenses', 'licenseAssignmentStates'], send)) {
      // A user whose licenses cannot be read would be left out, and the export would look complete.
      const unreadable = unreadableLicenses(user);
      if (unreadable !== undefined) throw new RunError('GRAPH_ANSWER', `Microsoft Graph listed a user whose licenses cannot be read: ${unreadable}. The export stopped, as one with users left out would look complete.`);
      const rows = directAssignmentRows(user, model.facts, only);
      if (rows.length === 0) continue;
      users++;
      assignments += rows.length;
      await write(stringify(rows));
    }
    if (options.out !== undefined) {
      out.end();
      await once(out, 'finish');
    }
    io.stderr.write(`license-batch: exported ${assignments} direct assignment(s) of ${users} user(s)${options.out === undefined ? '' : ` to ${options.out}`}\n`);
    return 0;
  } finally {
    transport.close();
  }
}
