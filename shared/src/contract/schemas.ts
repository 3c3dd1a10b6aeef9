import { z } from 'zod';
import { LIMITS } from './limits.ts';

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};
const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

/** A string that is valid Unicode (no lone surrogates), so it is stored exactly as sent. */
const text = () =>
  z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') }).refine((s) => s.isWellFormed(), 'must be valid Unicode text');

/** True when `value` is a real calendar date written as YYYY-MM-DD (years 1000 to 9999). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1000) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

export const usernameSchema = text()
  .min(LIMITS.usernameMin, `must be at least ${LIMITS.usernameMin} characters`)
  .max(LIMITS.usernameMax, `must be at most ${LIMITS.usernameMax} characters`)
  .regex(LIMITS.usernamePattern, 'may contain only lower-case letters, digits, dot, underscore and hyphen');

/** Counted in code points like titles: four emoji are four characters, not eight. */
export const passwordSchema = text()
  .refine((s) => codePoints(s) >= LIMITS.passwordMin, `must be at least ${LIMITS.passwordMin} characters`)
  .refine((s) => codePoints(s) <= LIMITS.passwordMax, `must be at most ${LIMITS.passwordMax} characters`);

export const credentialsSchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
});
export type Credentials = z.infer<typeof credentialsSchema>;

export const titleSchema = text()
  .trim()
  .refine((s) => s.length > 0, 'is required')
  .refine((s) => codePoints(s) <= LIMITS.titleMax, `must be at most ${LIMITS.titleMax} characters`);

export const bodySchema = text().refine(
  (s) => utf8Bytes(s) <= LIMITS.bodyMaxBytes,
  `must be at most ${LIMITS.bodyMaxBytes / 1024} KB`,
);

export const dueDateSchema = z
  .string({
    error: (iss) => (iss.input === undefined ? 'is required' : 'must be a date written as YYYY-MM-DD'),
  })
  .refine(isCalendarDate, 'must be a real date written as YYYY-MM-DD');

export const newTaskSchema = z.object({
  title: titleSchema,
  body: bodySchema.default(''),
  dueDate: dueDateSchema,
});
export type NewTask = z.input<typeof newTaskSchema>;

export const listQuerySchema = z.object({
  limit: z
    .string({ error: 'must be a whole number' })
    .regex(/^\d{1,3}$/, `must be a whole number from 1 to ${LIMITS.listLimitMax}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= LIMITS.listLimitMax, `must be from 1 to ${LIMITS.listLimitMax}`)
    .optional(),
  cursor: z.string({ error: 'must be a string' }).max(200, 'is not a valid cursor').optional(),
});

export const taskIdSchema = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, 'must be a positive whole number');

export const labelSchema = z.object({
  name: z.string(),
  score: z.number().min(0).max(1),
});
export type Label = z.infer<typeof labelSchema>;

export const labelStatusSchema = z.enum(['none', 'ready', 'failed']);
export type LabelStatus = z.infer<typeof labelStatusSchema>;

export const taskSchema = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  dueDate: z.string(),
  createdAt: z.string(),
  hasImage: z.boolean(),
  labels: z.array(labelSchema),
  labelStatus: labelStatusSchema,
});
export type Task = z.infer<typeof taskSchema>;

export const taskListSchema = z.object({
  tasks: z.array(taskSchema),
  nextCursor: z.string().nullable(),
});
export type TaskList = z.infer<typeof taskListSchema>;

export const sessionSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  username: z.string(),
});
export type Session = z.infer<typeof sessionSchema>;

export const signupResultSchema = z.object({ username: z.string() });
export type SignupResult = z.infer<typeof signupResultSchema>;
