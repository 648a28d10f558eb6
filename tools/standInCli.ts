#!/usr/bin/env node
import { parseArgs } from 'node:util';
import {
  createKnowledgeServer,
  type Envelope,
  type KnowledgeServerOptions,
  type ServerVersion,
} from './knowledgeServer.js';

const help = `Usage: gkc-session-stand-in [options]

A stand-in Genesys Knowledge Center for developing a widget with no Knowledge Center at hand: the session
calls, search, suggestions, top documents, documents and feedback over a dozen sample support articles.

  --port <n>                  port to listen on (default 8085; 0 picks a free one)
  --host <name>               interface to listen on (default 127.0.0.1)
  --version <9|8.5.0|8.5.1>   how an unknown session id is answered (default 9)
  --envelope <response|data|bare>
                              how answers are wrapped (default response)
  --allow-origin <origin>     a page origin CORS allows; repeat for several (default: any origin)
  --require-tenant            refuse calls without ?tenantId= (Knowledge Center 9.x)
  --tenant <id>               accept only this tenantId (implies --require-tenant)
  --no-expose-retry-after     leave Retry-After out of Access-Control-Expose-Headers
  --drop-underscore-headers   act as if behind nginx without underscores_in_headers: gkc_customerId and
                              gkc_agentId never arrive
  --base-path <path>          where the API lives (default /gks-server/v1)
  -h, --help                  this text

Controls over HTTP, under /__gkc/: GET state (sessions, the request log); POST faults with
{"failNext":{"count":1,"status":503,"retryAfter":2}}, {"down":true}, {"delayMs":800} or
{"malformNext":{"count":1,"kind":"html"}} ({} clears them); POST configure with {"version":"8.5.1"},
{"dropUnderscoreHeaders":true}, ...; POST forget-sessions; POST reset.
`;

const versions: readonly ServerVersion[] = ['9', '8.5.0', '8.5.1'];
const envelopes: readonly Envelope[] = ['response', 'data', 'bare'];

function usageError(message: string): never {
  process.stderr.write(`gkc-session-stand-in: ${message}\nRun gkc-session-stand-in --help for the usage.\n`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '8085' },
        host: { type: 'string', default: '127.0.0.1' },
        version: { type: 'string', default: '9' },
        envelope: { type: 'string', default: 'response' },
        'allow-origin': { type: 'string', multiple: true },
        'require-tenant': { type: 'boolean' },
        tenant: { type: 'string' },
        'no-expose-retry-after': { type: 'boolean' },
        'drop-underscore-headers': { type: 'boolean' },
        'base-path': { type: 'string', default: '/gks-server/v1' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return usageError((error as Error).message);
  }
}

const values = parse();
if (values.help) {
  process.stdout.write(help);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535)
  usageError(`--port must be 0 to 65535, got ${values.port}`);
const version = values.version as ServerVersion;
if (!versions.includes(version))
  usageError(`--version must be one of ${versions.join(', ')}, got ${values.version}`);
const envelope = values.envelope as Envelope;
if (!envelopes.includes(envelope))
  usageError(`--envelope must be one of ${envelopes.join(', ')}, got ${values.envelope}`);
for (const origin of values['allow-origin'] ?? []) {
  if (origin !== '*' && !URL.canParse(origin)) usageError(`--allow-origin must be an origin, got ${origin}`);
}
if (!values['base-path'].startsWith('/'))
  usageError(`--base-path must start with /, got ${values['base-path']}`);

const options: KnowledgeServerOptions = {
  version,
  envelope,
  basePath: values['base-path'],
  exposeRetryAfter: !values['no-expose-retry-after'],
  dropUnderscoreHeaders: values['drop-underscore-headers'] === true,
  requireTenant: values['require-tenant'] === true,
};
const origins = values['allow-origin'];
// A page origin is scheme, host and port: `new URL(...).origin` drops a trailing slash a user may type.
if (origins && !origins.includes('*'))
  options.allowedOrigins = origins.map((origin) => new URL(origin).origin);
if (values.tenant !== undefined) options.tenantId = values.tenant;

const server = createKnowledgeServer(options);
let baseUrl: string;
try {
  baseUrl = await server.listen(port, values.host);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE' ? `port ${port} is in use (--port picks another)` : (error as Error).message;
  process.stderr.write(`gkc-session-stand-in: cannot listen on ${values.host}:${port}: ${why}\n`);
  process.exit(1);
}

const settings = [
  `version ${version}`,
  `${envelope} envelope`,
  options.tenantId !== undefined
    ? `tenant ${options.tenantId} required`
    : options.requireTenant
      ? 'tenantId required'
      : 'no tenant',
  `CORS for ${Array.isArray(options.allowedOrigins) ? options.allowedOrigins.join(', ') : 'any origin'}`,
  ...(options.exposeRetryAfter ? [] : ['Retry-After not exposed']),
  ...(options.dropUnderscoreHeaders ? ['underscore headers dropped'] : []),
];
process.stdout.write(
  `Stand-in Knowledge Center at ${baseUrl} (${settings.join(', ')})\n` +
    `Fault controls under ${new URL('/__gkc/', baseUrl).href}; Ctrl-C stops it.\n`,
);

const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
