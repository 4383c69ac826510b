/**
 * `fleetctl apple-mdm …`: Apple MDM through the Fleet REST API, following Fleet's MDM plan
 * (enrollments, DEP token, commands, profiles). Only flags live here; work is imported lazily.
 */
import type { CommandModule } from '../context.js';
import { registerCommands } from './apple-mdm/commands.js';
import { registerEnrollments } from './apple-mdm/enrollments.js';
import { registerProfiles } from './apple-mdm/profiles.js';

export const registerAppleMdm: CommandModule = (program, ctx) => {
  const appleMdm = program
    .command('apple-mdm')
    .description('Manage Apple MDM: enrollments, DEP tokens, commands and configuration profiles');
  registerEnrollments(appleMdm, ctx);
  registerCommands(appleMdm, ctx);
  registerProfiles(appleMdm, ctx);
};
