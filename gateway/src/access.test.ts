import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allows, compileRule, ruleFor } from './access.ts';
import { normalizeTarget } from './routes.ts';

describe('access rules', () => {
  const rules = [
    { methods: ['GET'], path: '/**', roles: ['*'] },
    { methods: ['POST'], path: '/items', roles: ['shop/manager'] },
    { methods: ['PATCH', 'DELETE'], path: '/items/*', roles: ['shop/manager', 'shop/owner'] },
    { methods: ['*'], path: '/admin/**', roles: ['shop/owner'] },
  ].map(compileRule);

  it('lets the first rule matching method and path decide, GET covering HEAD', () => {
    assert.equal(ruleFor(rules, 'HEAD', '/items/7')?.index, 0);
    assert.equal(ruleFor(rules, 'POST', '/items')?.index, 1);
    assert.equal(ruleFor(rules, 'POST', '/items/')?.index, 1);
    assert.equal(ruleFor(rules, 'DELETE', '/items/7')?.index, 2);
    assert.equal(ruleFor(rules, 'PUT', '/admin')?.index, 3);
    assert.equal(ruleFor(rules, 'PUT', '/admin/a/b')?.index, 3);
  });

  it('matches no rule for a method or depth nothing names, so the request is refused', () => {
    assert.equal(ruleFor(rules, 'PUT', '/items/7'), undefined);
    assert.equal(ruleFor(rules, 'DELETE', '/items/7/parts'), undefined);
    assert.equal(ruleFor(rules, 'POST', '/itemsx'), undefined);
    assert.equal(ruleFor(rules, 'DELETE', '/items'), undefined);
  });

  it('allows a caller holding any of the rule roles, and anyone with a valid token under *', () => {
    assert.equal(allows(rules[2]!, ['shop/renter', 'shop/owner']), true);
    assert.equal(allows(rules[2]!, ['shop/renter']), false);
    assert.equal(allows(rules[2]!, []), false);
    assert.equal(allows(rules[0]!, []), true);
  });
});

describe('normalizeTarget', () => {
  it('decodes percent-encoded unreserved characters and upper-cases other escapes, leaving the query alone', () => {
    assert.equal(normalizeTarget('/%69tems/%7e%41?q=%69'), '/items/~A?q=%69');
    assert.equal(normalizeTarget('/items/a%3ab'), '/items/a%3Ab');
    assert.equal(normalizeTarget('/items?x=a//b'), '/items?x=a//b');
  });

  it('refuses what a service could read as another path: encoded slash or backslash, empty segments, control characters, bad escapes', () => {
    for (const target of ['/items%2f1', '/items%5C1', '//items', '/items/%2F/x', '/a\\b', '/items/%0a', '/items/%', '/items/%g1', 'http://evil/items', '*']) {
      assert.equal(normalizeTarget(target), undefined, target);
    }
  });
});
