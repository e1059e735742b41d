// SPDX-License-Identifier: Apache-2.0
export * from './config';
export { enabledControllers, readControllerFiles, startControllerManager, type ControllerFileOptions, type ControllerManager } from './manager';
