// @vitest-environment node
// The React binding (gkc-session/react) in real browsers, as a React application's page runs it: React 19's
// development build with <StrictMode> on (every effect runs, is cleaned up, and runs again), react-dom/client,
// real IndexedDB and Web Locks, against the stand-in on the page's origin. Its server rendering is
// ../react/server.test.tsx; the markup hydrated here is rendered by react-dom/server in this process.
import { createElement, StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../react/app';
import { type EnginePage, engineLabel, type Profile, selectedEngines } from './engines';
import { type Harness, startHarness } from './harness';

for (const engineName of selectedEngines()) {
  const webkit = engineName === 'webkit';
  // WebKit's driver now and then loses a script's answer: one more try, as in the other browser suites.
  describe(`in ${engineLabel(engineName)}`, {
    timeout: webkit ? 60_000 : 20_000,
    retry: webkit ? 1 : 0,
  }, () => {
    let harness: Harness;
    let profile: Profile;
    let page: EnginePage;

    beforeAll(async () => {
      harness = await startHarness(engineName, { entry: './reactPageEntry.tsx', development: true });
    }, 60_000);

    afterAll(async () => {
      await harness?.close();
    });

    beforeEach(async () => {
      harness.server.reset();
      harness.server.configure({ version: '9' });
      profile = await harness.newProfile();
      page = await profile.newPage();
      await page.goto(harness.origin);
    });

    afterEach(async () => {
      await profile?.close();
    });

    const shown = () => page.evaluate(() => window.react.shown());
    const ready = async () => {
      await expect.poll(async () => (await shown()).status).toBe('ready');
      return shown();
    };

    it('shows a ready session under Strict Mode: one Create, and manager.fetch carries the session', async () => {
      expect(await page.evaluate(() => window.react.version)).toMatch(/^19\./);
      await page.evaluate(() => window.react.mount());
      const { session } = await ready();
      expect(session).toBeTruthy();
      // Strict Mode did run the effect twice: the first manager was destroyed, the second shows the session.
      const events = await page.evaluate(() => window.react.events());
      expect(events.filter((event) => event.type === 'destroyed')).toHaveLength(1);
      expect(events.filter((event) => event.type === 'start')).toHaveLength(2);
      // The components were only ever given the manager that lives on.
      expect(await page.evaluate(() => window.react.statuses())).toEqual(['ready']);
      expect(harness.server.calls('create')).toHaveLength(1);

      expect(await page.evaluate(() => window.react.search('refund'))).toBe(200);
      expect(harness.server.calls('search').map((call) => call.sessionId)).toEqual([session]);
      expect(await page.evaluate(() => window.react.errors())).toEqual([]);
    });

    it('destroys the manager at unmount, releasing its locks; a remount reuses the session', async () => {
      await page.evaluate(() => window.react.mount());
      const first = await ready();
      await page.evaluate(() => window.react.unmount());
      expect(await page.evaluate(() => window.react.statuses())).toEqual(['destroyed']);
      expect(await page.evaluate(() => window.react.locks())).toEqual([]);

      await page.evaluate(() => window.react.mount());
      expect((await ready()).session).toBe(first.session);
      expect(await page.evaluate(() => window.react.statuses())).toEqual(['destroyed', 'ready']);
      expect(harness.server.calls('create')).toHaveLength(1);
      expect(await page.evaluate(() => window.react.errors())).toEqual([]);
    });

    it('identifies the same session when customerId is given, and resets when it is taken away', async () => {
      await page.evaluate(() => window.react.mount());
      const anonymous = await ready();
      await page.evaluate(() => window.react.render({ customerId: 'c-42' }));
      await expect.poll(async () => (await shown()).customer).toBe('c-42');
      expect((await shown()).session).toBe(anonymous.session);
      await expect.poll(() => harness.server.sessions.get(anonymous.session ?? '')?.customerId).toBe('c-42');
      expect(harness.server.calls('update').at(-1)).toMatchObject({ customerId: 'c-42' });

      // Signed out: a new anonymous session, not the customer's, on the same manager.
      await page.evaluate(() => window.react.render({}));
      await expect.poll(async () => (await shown()).session).not.toBe(anonymous.session);
      const signedOut = await ready();
      expect(signedOut.customer).toBe('');
      expect(harness.server.sessions.get(signedOut.session ?? '')?.customerId).toBeUndefined();
      expect(harness.server.calls('create')).toHaveLength(2);
      expect(await page.evaluate(() => window.react.statuses())).toEqual(['ready']);
    });

    it('creates a new manager for a new baseUrl and destroys the old one', async () => {
      await page.evaluate(() => window.react.mount({ baseUrl: '/gks-server/v1' }));
      const before = await ready();
      await page.evaluate(
        (origin) => window.react.render({ baseUrl: `${origin}/gks-server/v1` }),
        harness.origin,
      );
      await expect.poll(() => page.evaluate(() => window.react.statuses())).toEqual(['destroyed', 'ready']);
      // The same server, spelt another way: the same stored session.
      expect((await ready()).session).toBe(before.session);
      expect(harness.server.calls('create')).toHaveLength(1);
    });

    it('runs useOwnSessionManager under Strict Mode: one Create, destroyed at unmount', async () => {
      await page.evaluate(() => window.react.mount({ customerId: 'c-7' }, 'own'));
      const { session, customer } = await ready();
      expect(customer).toBe('c-7');
      expect(harness.server.calls('create')).toHaveLength(1);
      expect(harness.server.sessions.get(session ?? '')?.customerId).toBe('c-7');
      await page.evaluate(() => window.react.unmount());
      expect(await page.evaluate(() => window.react.statuses())).toEqual(['destroyed']);
    });

    it("hydrates react-dom/server's markup without a mismatch, then starts", async () => {
      const markup = renderToString(
        createElement(StrictMode, null, createElement(App, { baseUrl: '/gks-server/v1' })),
      );
      expect(markup).toContain('>idle<');
      await page.evaluate((html) => window.react.hydrate(html), markup);
      const { session } = await ready();
      expect(session).toBeTruthy();
      expect(harness.server.calls('create')).toHaveLength(1);
      expect(await page.evaluate(() => window.react.errors())).toEqual([]);

      // The check sees a mismatch when there is one: markup that says `ready` where the client renders `idle`.
      // (The same tab, reloaded: in WebKit a window of its own costs seconds.)
      await page.reload();
      await page.evaluate((html) => window.react.hydrate(html), markup.replace('>idle<', '>ready<'));
      await expect.poll(() => page.evaluate(() => window.react.errors().length)).toBeGreaterThan(0);
    });
  });
}
