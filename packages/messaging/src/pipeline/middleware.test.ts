import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { delivery } from '../../test/support/fakes.ts';
import { compose, type Middleware } from './middleware.ts';

describe('compose', () => {
  it('runs the first step outermost and the handler innermost', async () => {
    const trace: string[] = [];
    const step =
      (name: string): Middleware =>
      (next) =>
      async (d) => {
        trace.push(`${name} in`);
        await next(d);
        trace.push(`${name} out`);
      };
    await compose(step('a'), step('b'))(async () => void trace.push('handler'))(delivery());
    assert.deepEqual(trace, ['a in', 'b in', 'handler', 'b out', 'a out']);
  });
});
