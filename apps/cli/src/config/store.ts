// SPDX-License-Identifier: Apache-2.0
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { KubeconfigError, emptyKubeconfig, mergeKubeconfigs, parseKubeconfig, resolveConfigPaths, serializeKubeconfig, type Kubeconfig } from './kubeconfig';

/** One kubeconfig file as read from disk (paths inside it as written, not resolved). */
export interface KubeconfigFile {
  path: string;
  config: Kubeconfig;
  exists: boolean;
}

type Section = 'clusters' | 'users' | 'contexts';

/**
 * The kubeconfig files in effect and where changes go: a stanza is written back to the
 * file that defines it, a new stanza and current-context to the first file that sets
 * current-context or else the first file (kubectl's rules).
 */
export class KubeconfigStore {
  readonly files: KubeconfigFile[];

  private constructor(files: KubeconfigFile[]) {
    this.files = files;
  }

  /**
   * Reads the files. Missing files read as empty, except an explicit --kubeconfig when
   * `mustExist` (kubectl: `error: stat x: no such file or directory`).
   */
  static load(paths: string[], opts: { explicit?: boolean; mustExist?: boolean } = {}): KubeconfigStore {
    const files = paths.map((path): KubeconfigFile => {
      if (!existsSync(path)) {
        if (opts.explicit && opts.mustExist) throw new KubeconfigError(`stat ${path}: no such file or directory`);
        return { path, config: emptyKubeconfig(), exists: false };
      }
      return { path, config: parseKubeconfig(readFileSync(path, 'utf8'), path), exists: true };
    });
    return new KubeconfigStore(files);
  }

  /** The merged view, with certificate paths made absolute. */
  merged(): Kubeconfig {
    return mergeKubeconfigs(this.files.map((f) => resolveConfigPaths(f.config, f.path)));
  }

  private first(): KubeconfigFile {
    return this.files.find((f) => f.exists) ?? (this.files[0] as KubeconfigFile);
  }

  /** The file a stanza should be written to. */
  fileFor(section: Section, name: string): KubeconfigFile {
    return this.files.find((f) => f.config[section].some((i) => i.name === name)) ?? this.first();
  }

  /** The file current-context is written to. */
  currentContextFile(): KubeconfigFile {
    return this.files.find((f) => f.config['current-context']) ?? this.first();
  }

  /** Writes one file back (creating its directory), in kubectl's layout. */
  save(file: KubeconfigFile): void {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, serializeKubeconfig(file.config), { mode: 0o600 });
    file.exists = true;
  }
}
