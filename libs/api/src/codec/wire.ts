// SPDX-License-Identifier: Apache-2.0
import {
  createRegistry,
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  type DescMessage,
  type JsonValue,
  type Registry,
} from '@bufbuild/protobuf';
import { anyPack, anyUnpack, AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import { allFiles } from '@berth/api-types';
import { badRequest } from '../errors';
import type { KubeObject } from '../object';
import { allResources, apiVersionOf, messageByName, messageSchema, resourceForKind } from '../scheme';

let registry: Registry | undefined;
function reg(): Registry {
  return (registry ??= createRegistry(...allFiles));
}

/** Kinds that travel on the API without being resources: subresource bodies and results. */
const NON_RESOURCE_KINDS: Record<string, string> = {
  'autoscaling/v1 Scale': 'berth.autoscaling.v1.Scale',
  'v1 Status': 'berth.meta.v1.Status',
  'policy/v1 Eviction': 'berth.policy.v1.Eviction',
};

const byMessage = new Map<string, { apiVersion: string; kind: string }>();
function typeMetaOf(typeName: string): { apiVersion: string; kind: string } | undefined {
  if (byMessage.size === 0) {
    for (const info of allResources()) byMessage.set(info.messageName, { apiVersion: apiVersionOf(info), kind: info.kind });
    for (const [gvk, name] of Object.entries(NON_RESOURCE_KINDS)) {
      const [apiVersion = '', kind = ''] = gvk.split(' ');
      byMessage.set(name, { apiVersion, kind });
    }
  }
  return byMessage.get(typeName);
}

function schemaFor(obj: KubeObject): DescMessage {
  const apiVersion = String(obj.apiVersion ?? '');
  const kind = String(obj.kind ?? '');
  const info = resourceForKind(apiVersion, kind);
  if (info) return messageSchema(info);
  const extra = NON_RESOURCE_KINDS[`${apiVersion} ${kind}`];
  const desc = extra ? messageByName(extra) : undefined;
  if (!desc) throw badRequest(`no matches for kind "${kind}" in version "${apiVersion}"`);
  return desc;
}

/**
 * Encodings already made, per object instance. The watch cache hands the same immutable
 * object to every list and every watcher, so each version is encoded once, not once per
 * reader (1,000 watchers of one write cost one encoding).
 */
const packed = new WeakMap<object, Any>();

/**
 * Packs a canonical object (Kubernetes JSON of a served kind) into a google.protobuf.Any
 * with its binary protobuf encoding. Fields the schema does not know are dropped: run
 * decodeObject first where unknown fields must be reported.
 */
export function packObject(obj: KubeObject): Any {
  const schema = schemaFor(obj);
  return anyPack(schema, fromJson(schema, obj as JsonValue, { ignoreUnknownFields: true }));
}

/**
 * packObject for objects that are never mutated (what the apiserver's watch cache
 * serves): the encoding is remembered per instance and reused by every reader.
 */
export function packImmutableObject(obj: KubeObject): Any {
  const hit = packed.get(obj);
  if (hit) return hit;
  const any = packObject(obj);
  packed.set(obj, any);
  return any;
}

const jsonText = new WeakMap<object, string>();

/** JSON text of an object that is never mutated, remembered per instance like packImmutableObject. */
export function immutableObjectJson(obj: KubeObject): string {
  let text = jsonText.get(obj);
  if (text === undefined) {
    text = JSON.stringify(obj);
    jsonText.set(obj, text);
  }
  return text;
}

/** Unpacks an Any into Kubernetes JSON, with apiVersion and kind filled in from its type. */
export function unpackObject(any: Any): KubeObject {
  const msg = anyUnpack(any, reg());
  if (!msg) throw badRequest(`unknown object type "${any.typeUrl}"`);
  const json = toJson(reg().getMessage(msg.$typeName) as DescMessage, msg, { registry: reg() }) as KubeObject;
  const tm = typeMetaOf(msg.$typeName);
  return tm ? { apiVersion: tm.apiVersion, kind: tm.kind, ...json } : json;
}

/** An object as protobuf bytes of an Any, e.g. for storage or NATS payloads. */
export function encodeObject(obj: KubeObject): Uint8Array {
  return toBinary(AnySchema, packObject(obj));
}

export function decodeObjectBytes(bytes: Uint8Array): KubeObject {
  return unpackObject(fromBinary(AnySchema, bytes));
}
