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

/** How the client proves who it is besides a client certificate. */
export interface ClientAuthFiles {
  /**
   * A file holding a bearer token, e.g. a pod's service-account token
   * (/var/run/secrets/kubernetes.io/serviceaccount/token); read once, surrounding whitespace dropped.
   */
  tokenFile?: string;
  /** The token itself (wins over tokenFile). */
  token?: string;
}

/** The API client a component uses: apiserver addresses and, unless plaintext on loopback, TLS files. */
export function apiClientFromFiles(apiservers: string[], tls?: TlsFiles, auth: ClientAuthFiles = {}): GrpcApiClient {
  const token = auth.token ?? (auth.tokenFile ? readFileSync(auth.tokenFile, 'utf8').trim() : undefined);
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
    ...(token !== undefined ? { token } : {}),
  });
}
