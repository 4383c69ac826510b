/**
 * The build pipeline's progress stages → the stages the API shows. The pipeline reports `staging`
 * both while it fetches agents from TUF and (for some packagers) while laying out files; only the
 * former is `downloading` for a client.
 */
import type { BuildStage } from '../packaging/types.js';
import type { ServiceStage } from './types.js';

export function serviceStage(stage: BuildStage, detail: string | undefined): ServiceStage {
  switch (stage) {
    case 'staging':
      return detail !== undefined && /^(fetching|verifying)\b/.test(detail) ? 'downloading' : 'building';
    case 'compressing':
    case 'writing':
      return 'building';
    case 'signing':
      return 'signing';
    case 'notarizing':
      return 'notarizing';
  }
}
