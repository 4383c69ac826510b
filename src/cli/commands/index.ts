/**
 * Every top-level command module, in help order. Each module only declares flags; the work happens
 * in a lazily imported implementation.
 */
import type { CommandModule } from '../context.js';
import { registerPackage } from './package.js';
import { registerUpdates } from './updates.js';
import { registerSandbox } from './sandbox.js';
import { registerConfig } from './config.js';
import { registerLogin, registerLogout } from './login.js';
import { registerAppleMdm } from './apple-mdm.js';
import { registerPackager } from './packager.js';
import { registerSign } from './sign.js';

export const COMMANDS: readonly CommandModule[] = [
  registerPackage,
  registerUpdates,
  registerSandbox,
  registerConfig,
  registerLogin,
  registerLogout,
  registerAppleMdm,
  registerPackager,
  registerSign,
];
