// SPDX-License-Identifier: Apache-2.0
import { fileURLToPath } from 'node:url';

/**
 * The repository's root, for the files the command reads beside its code (protos, the
 * cluster script). Three levels up from this module in the sources (apps/cli/src) and from
 * the bundle (apps/cli/dist) alike.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
