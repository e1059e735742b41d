// SPDX-License-Identifier: Apache-2.0
import { badRequest } from '@berth/api';

/** What a list page's `continue` token carries: the revision it was read at and the last key. */
export interface ContinueState {
  revision: string;
  key: string;
}

export function encodeContinue(state: ContinueState): string {
  return Buffer.from(JSON.stringify({ v: 'berth/1', rv: state.revision, start: state.key })).toString('base64url');
}

export function decodeContinue(token: string): ContinueState {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: string; start?: string };
    if (o.v !== 'berth/1' || typeof o.rv !== 'string' || !/^\d{1,19}$/.test(o.rv) || typeof o.start !== 'string') throw new Error('bad token');
    return { revision: o.rv, key: o.start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}
