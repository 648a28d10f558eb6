// Options written as applications write them: `customerId: user?.id` is `undefined` for an anonymous visitor,
// and the types accept it (exactOptionalPropertyTypes). An option given as `undefined` is one left out.
import { describe, expect, it } from 'vitest';
import type { SessionManagerOptions } from '../src/index';
import { resolveOptions } from '../src/manager/options';

describe('options given as undefined', () => {
  it('resolve as if they were left out', () => {
    const baseUrl = 'https://kc.example.com/gks-server/v1';
    const everyOptionUndefined: Required<SessionManagerOptions> = {
      baseUrl,
      tenantId: undefined,
      customerId: undefined,
      agentId: undefined,
      visitId: undefined,
      globalVisitId: undefined,
      storage: undefined,
      webEngagement: undefined,
      revalidate: undefined,
      retry: undefined,
      queryClient: undefined,
      fetch: undefined,
      timeoutMs: undefined,
      coalesceMs: undefined,
      storageTimeoutMs: undefined,
      idleTimeoutMs: undefined,
      maxAgeMs: undefined,
      lockTimeoutMs: undefined,
      indexedDB: undefined,
      locks: undefined,
      BroadcastChannel: undefined,
      onEvent: undefined,
    };
    expect(resolveOptions(everyOptionUndefined)).toEqual(resolveOptions({ baseUrl }));
  });
});
