// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { GrpcApiClient } from './grpc-api-client';

/** TLS material as components take it on their command lines: file paths. */
export interface TlsFiles {
  caFile: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
}

/** The API client a component uses: apiserver addresses and, unless plaintext on loopback, TLS files. */
export function apiClientFromFiles(apiservers: string[], tls?: TlsFiles): GrpcApiClient {
  return new GrpcApiClient({
    addresses: apiservers,
    ...(tls
      ? {
          tls: {
            ca: readFileSync(tls.caFile),
            ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
            ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
            ...(tls.serverName ? { serverName: tls.serverName } : {}),
          },
        }
      : {}),
  });
}
