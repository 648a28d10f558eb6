import { randomUUID } from 'node:crypto';
import { type Probe, readSession, reason } from './doctorProbe.js';

export const underscoreFix =
  'Something between the page and the server drops request headers whose name holds an underscore. ' +
  'nginx does so by default: add `underscores_in_headers on;` to its http block (in a server block it counts ' +
  'only in the default server). A CDN, load balancer or firewall in front may need gkc_customerId and ' +
  'gkc_agentId allowed by name.';

/** A value made for the check, recognisable in the server's logs. */
const madeValue = (what: string) => `gkc-session-doctor-${what}-${randomUUID().slice(0, 8)}`;

/**
 * `identity-headers`: does a customer sent as `gkc_customerId` reach the server? A Create carries a customer
 * made for the check, and a Retrieve asks for the session back. The visit id travels in the body, which no
 * proxy strips: when it comes back and the customer does not, the header was lost on the way; when neither
 * does, the server simply does not show what a session holds and nothing can be concluded.
 */
export async function checkIdentityHeaders(probe: Probe): Promise<void> {
  const { send, path, report } = probe;
  const customerId = madeValue('customer');
  const visitId = madeValue('visit');
  const headers = { gkc_customerId: customerId };
  try {
    const session = readSession(await send('PUT', path('/sessions/new'), { headers, body: { visitId } }));
    if (!session.ok) {
      report(
        'identity-headers',
        'fail',
        `a Create with gkc_customerId ${session.problem}`,
        `Some proxies refuse headers with underscores. ${underscoreFix}`,
      );
      return;
    }
    const sessionUrl = path(`/sessions/${encodeURIComponent(session.sessionId)}`);
    const kept = readSession(await send('GET', sessionUrl, { headers }));
    const answers = [session.info, kept.ok ? kept.info : {}];
    const shown = answers.map((info) => info.customerId).filter((value) => value !== undefined);
    const other = shown.find((value) => value !== customerId);
    if (kept.ok && kept.sessionId !== session.sessionId) {
      report(
        'identity-headers',
        'fail',
        `a Retrieve of the session just created answered another session (${kept.sessionId})`,
        'The server forgot a session at once: if several servers stand behind a load balancer, they must ' +
          'share sessions (or the balancer must keep a client on one).',
      );
    } else if (shown.length > 0 && other === undefined) {
      report('identity-headers', 'pass', `customer ${customerId}, sent as gkc_customerId, came back`);
    } else if (other !== undefined) {
      report(
        'identity-headers',
        'fail',
        `sent customer ${customerId}, the server answered customer ${other}`,
        underscoreFix,
      );
    } else if (answers.some((info) => info.visitId === visitId)) {
      report(
        'identity-headers',
        'fail',
        'the visit id sent in the body came back, the customer sent as gkc_customerId did not: the header was dropped',
        underscoreFix,
      );
    } else {
      report(
        'identity-headers',
        'warn',
        'the server shows neither the customer nor the visit id in its answers, so the header cannot be verified',
        `Check on the server (its log or session store) that customer ${customerId} arrived. ${underscoreFix}`,
      );
    }
  } catch (error) {
    report('identity-headers', 'fail', `a call with gkc_customerId failed: ${reason(error)}`, underscoreFix);
  }
}
