// SPDX-License-Identifier: Apache-2.0
/** Describers of ConfigMap, Secret and ServiceAccount. */
import { SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, SERVICE_ACCOUNT_UID_ANNOTATION, type KubeObject } from '@berth/api';
import { arr, str, strMap } from './json';
import { tryList, type DescribeContext } from './context';
import { describeEvents } from './events';
import { annotationsOf, byteOrder, labelsOf, printAnnotationsMultiline, printLabelsMultiline } from './format';
import { LEVEL_0, tabbedString } from './prefix-writer';

/** kubectl describe configmap: each key's value in full, binary data by size. */
export function describeConfigMap(cm: KubeObject, ctx: DescribeContext): Promise<string> {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${str(cm, 'metadata.name')}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(cm, 'metadata.namespace')}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(cm));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(cm));
    w.write(LEVEL_0, '\nData\n====\n');
    // kubectl walks a Go map (random order); sorted keys keep the output stable.
    const data = strMap(cm, 'data');
    for (const k of Object.keys(data).sort(byteOrder)) {
      w.write(LEVEL_0, `${k}:\n----\n`);
      w.write(LEVEL_0, `${data[k] ?? ''}\n`);
      w.write(LEVEL_0, '\n');
    }
    w.write(LEVEL_0, '\nBinaryData\n====\n');
    const binary = strMap(cm, 'binaryData');
    for (const k of Object.keys(binary).sort(byteOrder)) w.write(LEVEL_0, `${k}: ${Buffer.from(binary[k] ?? '', 'base64').length} bytes\n`);
    w.write(LEVEL_0, '\n');
    if (ctx.showEvents) describeEvents(ctx.events, w, ctx.now);
  });
}

/** kubectl describe secret: sizes, never values (except a service account token). */
export function describeSecret(secret: KubeObject): Promise<string> {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${str(secret, 'metadata.name')}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(secret, 'metadata.namespace')}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(secret));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(secret));
    const type = str(secret, 'type');
    w.write(LEVEL_0, `\nType:\t${type}\n`);
    w.write(LEVEL_0, '\nData\n====\n');
    const data = strMap(secret, 'data');
    // stringData is write-only; a secret read back has it folded into data, but a local object may not.
    const stringData = strMap(secret, 'stringData');
    const sizes = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(data)) sizes.set(k, Buffer.from(v, 'base64'));
    for (const [k, v] of Object.entries(stringData)) sizes.set(k, Buffer.from(v, 'utf8'));
    for (const k of [...sizes.keys()].sort(byteOrder)) {
      const v = sizes.get(k) ?? Buffer.alloc(0);
      if (k === 'token' && type === SERVICE_ACCOUNT_TOKEN_TYPE) w.write(LEVEL_0, `${k}:\t${v.toString('utf8')}\n`);
      else w.write(LEVEL_0, `${k}:\t${v.length} bytes\n`);
    }
  });
}

/** kubectl describe serviceaccount: its pull secrets, mountable secrets and token secrets. */
export async function describeServiceAccount(sa: KubeObject, ctx: DescribeContext): Promise<string> {
  const name = str(sa, 'metadata.name');
  const uid = str(sa, 'metadata.uid');
  const secrets = await tryList(ctx, 'secrets', '', str(sa, 'metadata.namespace'));
  const tokens: string[] = [];
  const missing = new Set<string>();
  // Errors are tolerated: the account is still described with the secrets it names.
  if (!secrets.error) {
    const existing = new Set<string>();
    for (const s of secrets.items) {
      if (str(s, 'type') === SERVICE_ACCOUNT_TOKEN_TYPE) {
        const ann = strMap(s, 'metadata.annotations');
        if (ann[SERVICE_ACCOUNT_NAME_ANNOTATION] === name && ann[SERVICE_ACCOUNT_UID_ANNOTATION] === uid) tokens.push(str(s, 'metadata.name'));
      }
      existing.add(str(s, 'metadata.name'));
    }
    for (const s of [...arr(sa, 'secrets'), ...arr(sa, 'imagePullSecrets')]) if (!existing.has(str(s, 'name'))) missing.add(str(s, 'name'));
  }
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${name}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(sa, 'metadata.namespace')}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(sa));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(sa));
    const emptyHeader = '                   ';
    const sections: [string, string[]][] = [
      ['Image pull secrets:', arr(sa, 'imagePullSecrets').map((s) => str(s, 'name'))],
      ['Mountable secrets: ', arr(sa, 'secrets').map((s) => str(s, 'name'))],
      ['Tokens:            ', tokens],
    ];
    for (const [header, names] of sections) {
      if (names.length === 0) {
        w.write(LEVEL_0, `${header}\t<none>\n`);
        continue;
      }
      let prefix = header;
      for (const n of names) {
        w.write(LEVEL_0, `${prefix}\t${n}${missing.has(n) ? ' (not found)' : ''}\n`);
        prefix = emptyHeader;
      }
    }
    if (ctx.showEvents) describeEvents(ctx.events, w, ctx.now);
  });
}

