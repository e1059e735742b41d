// SPDX-License-Identifier: Apache-2.0
import type { ApiResourceInfo, ExecInput, ExecOutput, KubeObject, VersionInfo, LogChunk, NodeStats, PodExecOptions, PodLogsOptions } from '@berth/api';
import type { ApiClient, ResourceType, WriteOptions, WriteResult } from '@berth/client';

/**
 * The client the commands use: the ApiClient every implementation has, plus what only
 * the gRPC client offers (server-side checked manifests, discovery). FakeApi lacks the
 * extras, so the commands fall back to plain create/update and the local scheme.
 */
export interface CliClient extends ApiClient {
  /** Container logs through the apiserver's NodeProxy (the gRPC client has it). */
  logs?(opts: PodLogsOptions, signal?: AbortSignal): AsyncIterable<LogChunk>;
  /** Runs a command in a container through the apiserver's NodeProxy (the gRPC client has it). */
  exec?(opts: PodExecOptions, input: AsyncIterable<ExecInput>, signal?: AbortSignal): AsyncIterable<ExecOutput>;
  /** A node's resource usage through the apiserver's NodeProxy (`top`; the gRPC client and FakeApi have it). */
  stats?(node: string): Promise<NodeStats>;
  createFromManifest?<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string,
    json: unknown,
    opts?: WriteOptions,
  ): Promise<WriteResult<T>>;
  updateFromManifest?<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string,
    json: unknown,
    opts?: WriteOptions,
  ): Promise<WriteResult<T>>;
  version?(): Promise<VersionInfo>;
  apiResources?(): Promise<ApiResourceInfo[]>;
  close?(): void;
}

/** Where a command writes: stdout for results, stderr for warnings and errors. */
export interface Output {
  write(text: string): void;
  /** Raw bytes (a remote command's output); without it they are written as UTF-8 text. */
  writeBytes?(data: Uint8Array): void;
}

/** The terminal and the raw standard input, for `exec -i` and `-t`. */
export interface Terminal {
  /** Whether standard input is a terminal: `-t` needs one. */
  readonly stdinIsTerminal: boolean;
  /** Standard input as it arrives; ends at end-of-file or when `signal` aborts. */
  input(signal: AbortSignal): AsyncIterable<Uint8Array>;
  /** Puts the terminal in raw mode (keys go to the remote side as typed); returns what restores it. */
  makeRaw(): () => void;
  /** The terminal's size, when standard output is one. */
  size(): { cols: number; rows: number } | undefined;
  /** Calls `fn` whenever the terminal is resized (SIGWINCH); returns what stops it. */
  onResize(fn: () => void): () => void;
}

/** How the CLI reaches the server, as resolved from the kubeconfig and the flags. */
export interface ConnectionInfo {
  /** The server URL as configured ("https://127.0.0.1:6443"). */
  server: string;
  /** host:port the gRPC client dials. */
  address: string;
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer; serverName?: string };
  /** Bearer token (--token, or the user's token / tokenFile), e.g. a service account's. */
  token?: string;
  /** Whom to act as (--as/--as-group, or the user's `as`/`as-groups`); the server checks that the caller may. */
  impersonate?: { user: string; groups?: string[] };
  timeoutMs?: number;
}

/**
 * Everything a command needs from the outside world. Tests build one around a FakeApi
 * and string buffers; main.ts builds one around the gRPC client and the process.
 */
export interface CommandContext {
  /** The API client; connects on first use, so `config` commands never need a server. */
  client(): CliClient;
  /** The server the client talks to (cluster-info); throws when none is configured. */
  connection(): ConnectionInfo;
  stdout: Output;
  stderr: Output;
  /** The whole of standard input (for `-f -`). */
  readStdin(): Promise<string>;
  /** Standard input as a stream, and the terminal (exec -i/-t). */
  terminal: Terminal;
  /** The arguments as typed (exec tells `POD -- CMD` from the deprecated `POD CMD` by them). */
  argv: readonly string[];
  now(): Date;
  /** Namespace from -n, else the context's, else "default". */
  namespace: string;
  /** True when -n/--namespace was given (kubectl then checks manifests against it). */
  namespaceExplicit: boolean;
  allNamespaces: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  /** The command line as typed, for --record ("berth create --filename=x.yml --record=true"). */
  commandLine: string;
  /** Waits (polling in rollout status, delete --wait); tests pass a fast one. */
  sleep(ms: number): Promise<void>;
  /** Opens a file in the user's editor and resolves when it exits (edit). */
  runEditor(file: string): Promise<void>;
  /** Set by commands that printed an error but went on (create -f with one bad object). */
  failed: boolean;
}
