import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, mayResend, replicaIsDown } from './failures.ts';

const withCode = (code: string): Error => Object.assign(new Error(code), { code });

describe('upstream failures', () => {
  it('call anything before the request was written not sent, whatever the error', () => {
    assert.equal(classify(withCode('ECONNREFUSED'), false), 'not_sent');
    assert.equal(classify(withCode('UND_ERR_CONNECT_TIMEOUT'), false), 'not_sent');
    assert.equal(classify(withCode('UND_ERR_DESTROYED'), false), 'not_sent');
  });

  it('call a closed or reset connection after writing a reset, and a late answer a timeout', () => {
    assert.equal(classify(withCode('UND_ERR_SOCKET'), true), 'reset');
    assert.equal(classify(withCode('ECONNRESET'), true), 'reset');
    assert.equal(classify(withCode('UND_ERR_HEADERS_TIMEOUT'), true), 'timeout');
    assert.equal(classify(withCode('HPE_INVALID_CONSTANT'), true), 'broken');
    assert.equal(classify(withCode('UND_ERR_INVALID_ARG'), false), 'invalid');
  });

  it('resend any method that was not sent', () => {
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) assert.ok(mayResend('not_sent', method, false));
  });

  it('resend a reset request only when processing it twice is harmless', () => {
    assert.ok(mayResend('reset', 'GET', false));
    assert.ok(mayResend('reset', 'HEAD', false));
    assert.ok(!mayResend('reset', 'POST', false));
    assert.ok(!mayResend('reset', 'DELETE', false));
    assert.ok(mayResend('reset', 'POST', true));
  });

  it('never resend a timeout or a broken answer', () => {
    assert.ok(!mayResend('timeout', 'GET', true));
    assert.ok(!mayResend('broken', 'GET', true));
  });

  it('take a replica out only for connection failures', () => {
    assert.ok(replicaIsDown('not_sent'));
    assert.ok(replicaIsDown('reset'));
    assert.ok(!replicaIsDown('timeout'));
    assert.ok(!replicaIsDown('invalid'));
  });
});
