/** The zod schema of a region name in the fleet configuration (one definition for every section). */
import { z } from 'zod';
import { MAX_REGION_NAME_LENGTH, REGION_NAME_PATTERN, regionNameProblem } from './region-name.ts';

/** A Google Cloud region or an on-prem region name (see {@link regionNameProblem}). */
export const regionSchema = z
  .string()
  .superRefine((name, ctx) => {
    const problem = regionNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ pattern: REGION_NAME_PATTERN, maxLength: MAX_REGION_NAME_LENGTH, examples: ['asia-northeast1', 'tokyo-onprem'] });
