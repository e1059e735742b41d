// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { alreadyExists, badRequest, invalid, newStatusError, notFound } from '@berth/api';
import { CliError, ContextError, UsageError, formatError } from './errors';

describe('formatError', () => {
  test('server errors carry their reason', () => {
    assert.equal(formatError(notFound({ resource: 'pods', name: 'x' })), 'Error from server (NotFound): pods "x" not found\n');
    assert.equal(formatError(badRequest('bad')), 'Error from server (BadRequest): bad\n');
  });

  test('a context prefix goes between the reason and the message', () => {
    const err = new ContextError('error when creating "pod/db.yml"', alreadyExists({ resource: 'pods', name: 'db' }));
    assert.equal(formatError(err), 'Error from server (AlreadyExists): error when creating "pod/db.yml": pods "db" already exists\n');
  });

  test('Invalid errors are worded from their causes, like kubectl', () => {
    const one = invalid({ resource: 'deployments.apps', kind: 'Deployment', name: 'x' }, [
      { type: 'Invalid', field: 'spec.replicas', value: -1, detail: 'must be greater than or equal to 0' },
    ]);
    assert.equal(formatError(one), 'The Deployment "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n');
    const two = invalid({ resource: 'pods', kind: 'Pod', name: 'db' }, [
      { type: 'Required', field: 'spec.containers' },
      { type: 'Invalid', field: 'metadata.labels', value: 'Mongo Labs', detail: 'bad' },
    ]);
    assert.equal(
      formatError(two),
      'The Pod "db" is invalid: \n* spec.containers: Required value\n* metadata.labels: Invalid value: "Mongo Labs": bad\n',
    );
  });

  test('connection failures print the sentence alone', () => {
    const refused = newStatusError(
      'ServiceUnavailable',
      'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?',
    );
    assert.equal(formatError(refused), 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n');
  });

  test('Unauthorized asks the user to log in', () => {
    assert.equal(formatError(newStatusError('Unauthorized', 'Unauthorized')), 'error: You must be logged in to the server (Unauthorized)\n');
  });

  test('client-side errors are one error: line; usage errors add the help hint', () => {
    assert.equal(formatError(new CliError('the path "nope.yml" does not exist')), 'error: the path "nope.yml" does not exist\n');
    assert.equal(formatError(new UsageError('Required resource not specified.', 'berth get')), "error: Required resource not specified.\nSee 'berth get -h' for help and examples\n");
    assert.equal(formatError(new UsageError('unknown flag: --foo', 'berth get', 'usage')), "error: unknown flag: --foo\nSee 'berth get --help' for usage.\n");
    assert.equal(formatError(new TypeError('boom')), 'error: boom\n');
    assert.equal(formatError('weird'), 'error: weird\n');
  });
});
