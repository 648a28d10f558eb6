#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runDoctor } from './doctor.js';
import type { CheckStatus, DoctorReport } from './doctorReport.js';

const help = `Usage: gkc-session-doctor <baseUrl> [--origin <page origin>] [--tenant <id>] [--kb <kbId>] [--json]

Checks a Knowledge Center deployment the way gkc-session will use it, and says how to fix what a page
would trip over: reachable, create, envelope, tenant, unknown-session, identity-headers, cors-preflight,
cors-expose, knowledge.

  <baseUrl>         the REST root, e.g. https://kc.example.com/gks-server/v1
  --origin <url>    the origin of the page that will call the server (enables the CORS checks)
  --tenant <id>     Knowledge Center 9.x tenant, sent as tenantId= (the library's tenantId option)
  --kb <kbId>       knowledge base to search under the new session (default _dflt; none skips)
  --json            print { baseUrl, origin, checks: [{ id, status, detail, fix }] }
  -h, --help        this text

It makes at most four sessions on the server; the one that carries a customer has a customer id and a
visit id starting gkc-session-doctor-.
Exit status: 0 when no check failed (warnings allowed), 1 when one failed, 2 for a usage error.
`;

const labels: Record<CheckStatus, string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

function usageError(message: string): never {
  process.stderr.write(`gkc-session-doctor: ${message}\nRun gkc-session-doctor --help for the usage.\n`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        origin: { type: 'string' },
        tenant: { type: 'string' },
        kb: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
}

/** One line per check; a warning or failure gets its fix on the line below. */
function formatText(report: DoctorReport): string {
  const lines = [
    `gkc-session-doctor ${report.baseUrl}${report.origin ? ` (page origin ${report.origin})` : ''}`,
  ];
  const width = Math.max(...report.checks.map((check) => check.id.length));
  for (const check of report.checks) {
    lines.push(`${labels[check.status]}  ${check.id.padEnd(width)}  ${check.detail}`);
    if (check.fix) lines.push(`${' '.repeat(width + 8)}fix: ${check.fix}`);
  }
  const count = (status: CheckStatus) => report.checks.filter((check) => check.status === status).length;
  lines.push(
    `${count('pass')} passed, ${count('warn')} warned, ${count('fail')} failed, ${count('skip')} skipped`,
  );
  return `${lines.join('\n')}\n`;
}

const { values, positionals } = parse();
if (values.help) {
  process.stdout.write(help);
  process.exit(0);
}
if (positionals.length !== 1) {
  usageError(
    positionals.length === 0 ? 'the baseUrl is missing' : `one baseUrl expected, got ${positionals.length}`,
  );
}
const baseUrl = positionals[0] as string;
if (!/^https?:\/\//i.test(baseUrl))
  usageError(`baseUrl must be an absolute http(s) URL, got ${JSON.stringify(baseUrl)}`);

let report: DoctorReport;
try {
  report = await runDoctor({
    baseUrl,
    ...(values.origin !== undefined && { origin: values.origin }),
    ...(values.tenant !== undefined && { tenantId: values.tenant }),
    ...(values.kb !== undefined && { kbId: values.kb === 'none' ? null : values.kb }),
  });
} catch (error) {
  // The options are checked before anything is sent: a TypeError here is the user's input.
  if (error instanceof TypeError) usageError(error.message);
  throw error;
}
process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatText(report));
process.exitCode = report.checks.some((check) => check.status === 'fail') ? 1 : 0;
