/**
 * The engines' names, apart from ./engines so that vitest.config.ts can make a Vitest project per engine without
 * loading any driver.
 */
export type EngineName = 'chromium' | 'firefox' | 'webkit';

export const engineNames: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

const labels: Record<EngineName, string> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

/** The engine's name for test names, known before it is launched. */
export const engineLabel = (name: EngineName): string => labels[name];

/** The engines GKC_ENGINES names (comma or space separated), in the order above; all of them when unset. */
export function selectedEngines(value = process.env.GKC_ENGINES): EngineName[] {
  if (!value?.trim()) return [...engineNames];
  const asked = value.split(/[\s,]+/).filter(Boolean);
  for (const name of asked) {
    if (!engineNames.includes(name as EngineName)) {
      throw new Error(`GKC_ENGINES: unknown engine "${name}"; use ${engineNames.join(', ')}`);
    }
  }
  return engineNames.filter((name) => asked.includes(name));
}
