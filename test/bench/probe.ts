import { startHarness } from '../browser/harness';
export async function main() {
  const harness = await startHarness();
  const context = await harness.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${harness.origin}/?start=%7B%7D`);
  await page.evaluate(() => window.started);
  const r = await page.evaluate(async () => {
    const m = window.manager!;
    const { sessionId } = await m.ready();
    const url = `/gks-server/v1/kbs/support/top?sessionId=${sessionId}`;
    const abs = new URL(url, location.href).href;
    const longLived = new AbortController().signal;
    const replica = async () => {
      const c = new AbortController();
      const on = () => c.abort();
      longLived.addEventListener('abort', on, { once: true });
      const t = setTimeout(() => c.abort(), 10000);
      try {
        return await fetch(abs, { headers: new Headers(), signal: c.signal });
      } finally {
        clearTimeout(t);
        longLived.removeEventListener('abort', on);
      }
    };
    const variants: Record<string, () => Promise<Response>> = {
      plain: () => fetch(abs),
      replica,
      readyThen: () => m.ready().then(() => fetch(abs)),
      manager: () => m.fetch('kbs/support/top'),
    };
    const out: Record<string, number[]> = {};
    for (const k of Object.keys(variants)) out[k] = [];
    for (let i = 0; i < 300; i++) {
      for (const [k, f] of Object.entries(variants)) {
        const t = performance.now();
        await (await f()).arrayBuffer();
        out[k]!.push(performance.now() - t);
      }
    }
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [med(v), mean(v).toFixed(3)]]));
  });
  console.log(r);
  await harness.close();
}
