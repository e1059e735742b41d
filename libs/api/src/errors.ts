// SPDX-License-Identifier: Apache-2.0
import type { Status } from './object';

/** Kubernetes' machine-readable failure reasons (metav1.StatusReason). */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'Timeout'
  | 'ServiceUnavailable'
  | 'InternalError'
  | 'NotAcceptable'
  | 'UnsupportedMediaType';

const CODES: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  Invalid: 422,
  MethodNotAllowed: 405,
  RequestEntityTooLarge: 413,
  TooManyRequests: 429,
  Timeout: 504,
  ServiceUnavailable: 503,
  InternalError: 500,
  NotAcceptable: 406,
  UnsupportedMediaType: 415,
};

/** What an object an error is about: its kind's qualified resource and its name. */
export interface ErrorTarget {
  /** Qualified resource as Kubernetes prints it: "pods", "deployments.apps". */
  resource: string;
  name?: string;
  /** Kind for the Invalid message ("Deployment.apps"); defaults to the resource. */
  kind?: string;
  group?: string;
}

/**
 * StatusError is every API failure: it carries the Status the server returns, so the
 * same object travels over gRPC and is printed by the CLI as kubectl prints it.
 */
export class StatusError extends Error {
  readonly status: Status;

  constructor(status: Status) {
    super(status.message ?? status.reason ?? 'unknown error');
    this.name = 'StatusError';
    this.status = { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', ...status };
  }

  get reason(): StatusReason {
    return (this.status.reason ?? 'InternalError') as StatusReason;
  }

  get code(): number {
    return this.status.code ?? 500;
  }
}

export function newStatusError(
  reason: StatusReason,
  message: string,
  details?: Status['details'],
): StatusError {
  return new StatusError({ status: 'Failure', reason, message, code: CODES[reason], ...(details ? { details } : {}) });
}

export function notFound(t: ErrorTarget): StatusError {
  return newStatusError('NotFound', `${t.resource} "${t.name ?? ''}" not found`, {
    name: t.name ?? '',
    group: t.group ?? '',
    kind: bareResource(t.resource),
  });
}

export function alreadyExists(t: ErrorTarget): StatusError {
  return newStatusError('AlreadyExists', `${t.resource} "${t.name ?? ''}" already exists`, {
    name: t.name ?? '',
    group: t.group ?? '',
    kind: bareResource(t.resource),
  });
}

export function conflict(t: ErrorTarget, why: string): StatusError {
  return newStatusError('Conflict', `Operation cannot be fulfilled on ${t.resource} "${t.name ?? ''}": ${why}`, {
    name: t.name ?? '',
    group: t.group ?? '',
    kind: bareResource(t.resource),
  });
}

/** The stale-resourceVersion conflict, worded as Kubernetes words it. */
export function staleConflict(t: ErrorTarget): StatusError {
  return conflict(t, 'the object has been modified; please apply your changes to the latest version and try again');
}

export function badRequest(message: string): StatusError {
  return newStatusError('BadRequest', message);
}

/** Kubernetes' NewForbidden: `pods "x" is forbidden: …`, or `pods is forbidden: …` without a name. */
export function forbidden(t: ErrorTarget, why: string): StatusError {
  const what = t.name ? `${t.resource} ${JSON.stringify(t.name)}` : t.resource;
  return newStatusError('Forbidden', `${what} is forbidden: ${why}`, {
    name: t.name ?? '',
    group: t.group ?? '',
    kind: bareResource(t.resource),
  });
}

export function methodNotSupported(resource: string, verb: string): StatusError {
  return newStatusError('MethodNotAllowed', `${verb} is not supported on resources of kind "${resource}"`);
}

/** A watch or list from a revision the server no longer has: the client must re-list. */
export function expired(message: string): StatusError {
  return newStatusError('Expired', message);
}

export function gone(message: string): StatusError {
  return newStatusError('Gone', message);
}

export function tooLarge(message: string): StatusError {
  return newStatusError('RequestEntityTooLarge', message);
}

export function internalError(message: string): StatusError {
  return newStatusError('InternalError', `Internal error occurred: ${message}`);
}

export function timeout(message: string): StatusError {
  return newStatusError('Timeout', message);
}

export function serviceUnavailable(message: string): StatusError {
  return newStatusError('ServiceUnavailable', message);
}

/** Kinds of field errors, with the wording Kubernetes' field.ErrorType uses. */
export type FieldErrorType = 'Required' | 'Invalid' | 'NotSupported' | 'Duplicate' | 'Forbidden' | 'TooLong' | 'TooMany' | 'NotFound';

/** One field-level validation failure (k8s.io/apimachinery/pkg/util/validation/field.Error). */
export interface FieldError {
  type: FieldErrorType;
  /** Path like "spec.containers[0].image". */
  field: string;
  /** The bad value (omitted for Required/Forbidden/TooLong/TooMany in the message). */
  value?: unknown;
  detail?: string;
  /** For NotSupported: the values that are allowed. */
  supported?: string[];
}

const CAUSE_REASON: Record<FieldErrorType, string> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Duplicate: 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  NotFound: 'FieldValueNotFound',
};

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The message of one field error exactly as Kubernetes renders it. */
export function fieldErrorMessage(e: FieldError): string {
  switch (e.type) {
    case 'Required':
      return `${e.field}: Required value${e.detail ? `: ${e.detail}` : ''}`;
    case 'Invalid':
      return `${e.field}: Invalid value: ${formatValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'NotSupported': {
      const quoted = (e.supported ?? []).map((s) => JSON.stringify(s)).join(', ');
      return `${e.field}: Unsupported value: ${formatValue(e.value)}${quoted ? `: supported values: ${quoted}` : ''}`;
    }
    case 'Duplicate':
      return `${e.field}: Duplicate value: ${formatValue(e.value)}`;
    case 'Forbidden':
      return `${e.field}: Forbidden${e.detail ? `: ${e.detail}` : ''}`;
    case 'TooLong':
      return `${e.field}: Too long: ${e.detail ?? 'value is too long'}`;
    case 'TooMany':
      return `${e.field}: Too many: ${e.detail ?? 'too many items'}`;
    case 'NotFound':
      return `${e.field}: Not found: ${formatValue(e.value)}`;
  }
}

/**
 * The Invalid error for an object: `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: ...`
 * (several errors are joined in brackets, as Kubernetes does).
 */
export function invalid(t: ErrorTarget, errors: FieldError[]): StatusError {
  const kind = t.kind ?? t.resource;
  const msgs = errors.map(fieldErrorMessage);
  const joined = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
  return newStatusError('Invalid', `${kind} "${t.name ?? ''}" is invalid: ${joined}`, {
    name: t.name ?? '',
    group: t.group ?? '',
    kind: kind.split('.')[0] ?? kind,
    causes: errors.map((e) => ({ reason: CAUSE_REASON[e.type], message: fieldErrorMessage(e).slice(e.field.length + 2), field: e.field })),
  });
}

export function isStatusError(e: unknown): e is StatusError {
  return e instanceof StatusError;
}

export function reasonOf(e: unknown): StatusReason | undefined {
  return isStatusError(e) ? e.reason : undefined;
}

export const isNotFound = (e: unknown): boolean => reasonOf(e) === 'NotFound';
export const isAlreadyExists = (e: unknown): boolean => reasonOf(e) === 'AlreadyExists';
export const isConflict = (e: unknown): boolean => reasonOf(e) === 'Conflict';
export const isInvalid = (e: unknown): boolean => reasonOf(e) === 'Invalid';
/** Gone or Expired: the client's resourceVersion is too old and it must re-list. */
export const isExpired = (e: unknown): boolean => reasonOf(e) === 'Expired' || reasonOf(e) === 'Gone';

function bareResource(qualified: string): string {
  const dot = qualified.indexOf('.');
  return dot < 0 ? qualified : qualified.slice(0, dot);
}
