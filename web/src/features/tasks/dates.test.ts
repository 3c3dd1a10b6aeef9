import { describe, expect, it } from 'vitest';
import { daysBetween, dueInWords, formatCreated, todayLocal } from './dates.ts';

describe('dates', () => {
  it('gives today in local time as YYYY-MM-DD', () => {
    expect(todayLocal(new Date(2025, 0, 5, 23, 59))).toBe('2025-01-05');
    expect(todayLocal(new Date(2025, 11, 31, 0, 1))).toBe('2025-12-31');
  });

  it('counts calendar days across months and leap days', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2025-03-01', '2025-02-26')).toBe(-3);
  });

  it('says due dates in words', () => {
    const today = '2025-06-10';
    expect(dueInWords('2025-06-10', today)).toEqual({ text: 'due today', tone: 'today' });
    expect(dueInWords('2025-06-11', today)).toEqual({ text: 'due tomorrow', tone: 'soon' });
    expect(dueInWords('2025-06-15', today)).toEqual({ text: 'due in 5 days', tone: 'soon' });
    expect(dueInWords('2025-07-15', today).tone).toBe('later');
    expect(dueInWords('2025-06-09', today)).toEqual({ text: 'overdue by 1 day', tone: 'overdue' });
    expect(dueInWords('2025-06-07', today)).toEqual({ text: 'overdue by 3 days', tone: 'overdue' });
  });

  it('says creation times relative to now, then as a date', () => {
    const now = new Date('2025-06-10T12:00:00Z');
    expect(formatCreated('2025-06-10T11:59:50Z', now)).toBe('just now');
    expect(formatCreated('2025-06-10T11:55:00Z', now, 'en')).toBe('5 minutes ago');
    expect(formatCreated('2025-06-10T09:00:00Z', now, 'en')).toBe('3 hours ago');
    expect(formatCreated('2025-06-01T09:00:00Z', now, 'en')).toMatch(/2025/);
  });
});
