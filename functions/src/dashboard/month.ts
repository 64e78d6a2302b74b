/** The month a dashboard page or report shows: `?month=YYYY-MM`, or the user's current month. */
import { isIsoDate, localDate } from '@kantong/shared/time';
import { z } from 'zod';

export const MonthQuerySchema = z.object({
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .refine((month) => isIsoDate(`${month}-01`))
    .optional()
    .catch(undefined),
});

/** The first day (YYYY-MM-01) of the requested month, or of the user's current one. */
export function monthStart(month: string | undefined, now: Date, timezone: string): string {
  return month ? `${month}-01` : `${localDate(now, timezone).slice(0, 7)}-01`;
}
