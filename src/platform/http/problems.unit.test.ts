import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyError } from 'fastify';
import { AppError } from '../common/index.ts';
import { toProblem } from './problems.ts';

const asFastify = (error: object) => error as FastifyError;

describe('what a client sees of an error', () => {
  test("given an AppError, when it is answered, then the problem keeps its status, code, title, detail and extensions", () => {
    const error = new AppError({ status: 409, code: 'insufficient-funds', title: 'Insufficient funds', detail: 'The balance 5 is less than 9.', extensions: { balance: 5 } });
    assert.deepEqual(toProblem(asFastify(error), '/billing/x'), {
      type: 'urn:streamshop:problem:insufficient-funds',
      title: 'Insufficient funds',
      status: 409,
      detail: 'The balance 5 is less than 9.',
      code: 'insufficient-funds',
      instance: '/billing/x',
      balance: 5,
    });
  });

  test('given a validation error, when it is answered, then it is a 400 that lists each field at fault', () => {
    const error = asFastify({
      validation: [
        { instancePath: '/amount', message: 'must be >= 1', params: {} },
        { instancePath: '', message: 'must NOT have additional properties', params: { additionalProperty: 'extra' } },
      ],
      validationContext: 'body',
    });
    const problem = toProblem(error, '/x');
    assert.equal(problem.status, 400);
    assert.equal(problem.code, 'validation-failed');
    assert.deepEqual((problem as unknown as { errors: unknown }).errors, [
      { field: 'body.amount', message: 'must be >= 1' },
      { field: 'body.extra', message: 'must NOT have additional properties' },
    ]);
  });

  test('given an unreachable database, when the request fails on it, then it is a 503 to retry', () => {
    const problem = toProblem(asFastify(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1'), { code: 'ECONNREFUSED' })), '/x');
    assert.equal(problem.status, 503);
    assert.ok(!problem.detail.includes('127.0.0.1'), 'the address is not told');
  });

  test('given a value the database refused (a data exception), when it is answered, then it is a 400, not a 500', () => {
    const problem = toProblem(asFastify({ code: '22P05', severity: 'ERROR', message: 'unsupported Unicode escape sequence' }), '/x');
    assert.equal(problem.status, 400);
    assert.equal(problem.code, 'invalid-value');
  });

  test('given a body that is not JSON, when it is answered, then it is a 400 invalid-json', () => {
    assert.equal(toProblem(asFastify({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400, message: 'x' }), '/x').code, 'invalid-json');
  });

  test('given each refusal of the framework, when it is answered, then its code and detail are ours, never Fastify\'s', () => {
    const expected: Record<string, [number, string]> = {
      FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported-media-type'],
      FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body-too-large'],
      FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid-json'],
      FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'empty-body'],
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid-content-length'],
      FST_ERR_BAD_URL: [400, 'invalid-url'],
      FST_ERR_MAX_PARAM_LENGTH: [414, 'path-segment-too-long'],
      FST_ERR_SOMETHING_NEW: [406, 'not-acceptable'],
    };
    for (const [code, [status, ours]] of Object.entries(expected)) {
      const problem = toProblem(asFastify({ code, statusCode: status, message: `${code}: Fastify's own words` }), '/x');
      assert.deepEqual([problem.status, problem.code], [status, ours], code);
      assert.doesNotMatch(JSON.stringify(problem), /FST_|fst-|Fastify/i, code);
    }
    assert.match(toProblem(asFastify({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415, message: 'Unsupported Media Type' }), '/x').detail, /application\/json/);
  });

  test('given a failure of ours, when it is answered, then it is a 500 that hides what happened', () => {
    const problem = toProblem(asFastify(new TypeError("Cannot read properties of undefined (reading 'secret')")), '/x');
    assert.equal(problem.status, 500);
    assert.ok(!problem.detail.includes('secret'));
  });
});
