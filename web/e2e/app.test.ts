/**
 * End to end: the built web app in Debian's Chromium against the whole local stack (started by
 * the "e2e" project's globalSetup on a fresh database). One person's whole story, in order.
 * Screenshots of the main screens go to test-artifacts/screens/ (not committed).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot, testImagesDir } from '../../test/support/paths.ts';
import { SESSION_STORAGE_KEY } from '../src/features/auth/sessionStore.ts';
import { todayLocal } from '../src/features/tasks/dates.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENS = join(repoRoot, 'test-artifacts', 'screens');

const baseUrl = inject('baseUrl');
const username = `e2e-${Date.now().toString(36)}`;
const password = 'correct horse battery';

let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

const shot = (p: Page, name: string) => p.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });

/** A date `days` from today in the browser's local time, as the date input takes it. */
const localDate = (days: number) => {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return todayLocal(d);
};

const taskItem = (p: Page, title: string): Locator =>
  p.locator('li.task').filter({ has: p.getByRole('heading', { level: 3, name: title, exact: true }) });

const taskTitles = (p: Page) => p.locator('li.task h3').allTextContents();

async function signIn(p: Page) {
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Password', { exact: true }).fill(password);
  await p.getByRole('button', { name: 'Sign in', exact: true }).click();
  await p.getByRole('heading', { name: 'Your tasks' }).waitFor();
}

async function newPage(ctx: BrowserContext): Promise<Page> {
  const p = await ctx.newPage();
  p.on('pageerror', (error) => pageErrors.push(String(error)));
  return p;
}

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  context.setDefaultTimeout(20_000);
  page = await newPage(context);
});

afterAll(async () => {
  await browser?.close();
});

describe('the web app', () => {
  it('serves the app at /', async () => {
    await page.goto(baseUrl);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.title()).toContain('Tasks');
    await shot(page, '01-sign-in');
  });

  it('signs up (which signs in), and signs out again', async () => {
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    // The API's rules are checked before anything is sent.
    await page.getByLabel('Username').fill('No');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Username must be at least 3 characters.').waitFor();
    await page.getByText('Password must be at least 8 characters.').waitFor();
    await shot(page, '02-sign-up-errors');

    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Your tasks' }).waitFor();
    await page.getByText('No tasks yet').waitFor();
    expect(await page.locator('.topbar__name').textContent()).toContain(username);
    await shot(page, '03-empty-list');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText('You have signed out.').waitFor();
  });

  it('refuses a wrong password in words, then signs in', async () => {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('That username and password do not match. Please check them and try again.').waitFor();
    await signIn(page);
    await page.getByText('No tasks yet').waitFor();
  });

  it('creates three tasks, each on top of the list without a reload', async () => {
    const dueDate = page.getByLabel('Due date');
    expect(await dueDate.inputValue()).toBe(localDate(0));

    // Validation mirrors the API: an empty title never leaves the page.
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.getByText('Title is required.').waitFor();

    const tasks = [
      { title: 'Buy groceries', body: 'Milk, eggs, bread', due: 0, words: 'Due today' },
      { title: 'Renew passport', body: '', due: 1, words: 'Due tomorrow' },
      { title: 'Visit the zoo', body: 'Take photos of the zebras', due: -3, words: 'Overdue by 3 days' },
    ];
    for (const task of tasks) {
      await page.getByLabel('Title').fill(task.title);
      await page.getByLabel('Notes').fill(task.body);
      await dueDate.fill(localDate(task.due));
      // Enter in the title field submits, as in any form.
      await page.getByLabel('Title').press('Enter');
      await taskItem(page, task.title).waitFor();
      expect((await taskTitles(page))[0]).toBe(task.title);
      expect(await taskItem(page, task.title).locator('.due').textContent()).toContain(task.words);
      // The form is ready for the next one.
      expect(await page.getByLabel('Title').inputValue()).toBe('');
      expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('title');
    }
    expect(await taskTitles(page)).toEqual(['Visit the zoo', 'Renew passport', 'Buy groceries']);
    expect(await taskItem(page, 'Visit the zoo').getAttribute('class')).toContain('task--overdue');
    await shot(page, '04-three-tasks');
  });

  it('uploads zebra.jpg with a progress bar of bytes sent, then shows "zebra" among its labels', async () => {
    const item = taskItem(page, 'Visit the zoo');
    // Slow the upload down (Chromium's own network emulation) so the progress bar can be seen
    // moving with the bytes actually sent, then "Recognising…".
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 120 * 1024 });
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __seen: string[] }).__seen = seen;
      new MutationObserver(() => {
        const bar = document.querySelector('.upload progress');
        if (bar) seen.push(`progress:${bar.getAttribute('value')}`);
        if (document.querySelector('.upload')?.textContent?.includes('Recognising')) seen.push('recognising');
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await item.locator('input[type=file]').setInputFiles(join(testImagesDir, 'zebra.jpg'));
    await item.getByRole('progressbar').waitFor({ timeout: 5_000 });
    await shot(page, '05-photo-uploading');
    const chips = item.getByRole('list', { name: 'What the photo shows' });
    await chips.waitFor({ timeout: 90_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();

    const seen = await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
    const values = seen.filter((s) => s.startsWith('progress:')).map((s) => Number(s.slice('progress:'.length)));
    expect(values.some((v) => v > 0 && v < 100), `progress seen: ${values.join(', ')}`).toBe(true);
    expect(seen).toContain('recognising');

    expect((await chips.locator('.chip__name').allTextContents()).map((s) => s.toLowerCase())).toContain('zebra');
    const img = item.locator('.photo__thumb img');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    expect(await img.getAttribute('alt')).toContain('zebra');
    await shot(page, '06-photo-labels');
  });

  it('explains a broken image in words and keeps the task as it was', async () => {
    const item = taskItem(page, 'Renew passport');
    await item.locator('input[type=file]').setInputFiles(join(testImagesDir, 'truncated.jpg'));
    const alert = item.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toMatch(/could not be read as an image|not supported|too large/);
    expect(await alert.textContent()).not.toContain('{');
    expect(await item.locator('.photo__thumb').count()).toBe(0);
  });

  it('keeps the session, the labels and the thumbnail across a reload', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Your tasks' }).waitFor();
    const item = taskItem(page, 'Visit the zoo');
    await item.waitFor();
    const chips = item.getByRole('list', { name: 'What the photo shows' });
    await chips.waitFor();
    expect((await chips.locator('.chip__name').allTextContents()).map((s) => s.toLowerCase())).toContain('zebra');
    const img = item.locator('.photo__thumb img');
    await img.waitFor();
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
    expect(await taskTitles(page)).toEqual(['Visit the zoo', 'Renew passport', 'Buy groceries']);
  });

  it('deletes a task after asking', async () => {
    await page.getByRole('button', { name: 'Delete “Buy groceries”' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this task?' });
    await dialog.waitFor();
    await shot(page, '07-confirm-delete');
    // The safe choice has the focus; Escape keeps the task.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await taskTitles(page)).toHaveLength(3);

    await page.getByRole('button', { name: 'Delete “Buy groceries”' }).click();
    const deleted = page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().includes('/function/delete-task/'));
    await dialog.getByRole('button', { name: 'Delete task' }).click();
    // Removed at once, before the server has answered.
    await taskItem(page, 'Buy groceries').waitFor({ state: 'detached' });
    expect((await deleted).status()).toBe(204);
    expect(await taskTitles(page)).toEqual(['Visit the zoo', 'Renew passport']);

    // Gone on the server too.
    await page.reload();
    await taskItem(page, 'Visit the zoo').waitFor();
    expect(await taskTitles(page)).toEqual(['Visit the zoo', 'Renew passport']);
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate((key) => localStorage.getItem(key), SESSION_STORAGE_KEY)).toBeNull();
    // A reload stays signed out.
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('fits a 375×812 phone screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-GB' });
    phone.setDefaultTimeout(20_000);
    const p = await newPage(phone);
    try {
      await p.goto(baseUrl);
      await p.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await shot(p, '08-phone-sign-in');
      await signIn(p);
      const item = taskItem(p, 'Visit the zoo');
      await item.locator('.photo__thumb img').waitFor();
      await expect.poll(() => item.locator('.photo__thumb img').evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      // Nothing sticks out on its own either.
      const wide = await p.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5 && !el.closest('.visually-hidden'))
          .map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
      );
      expect(wide).toEqual([]);
      await shot(p, '09-phone-list');
    } finally {
      await phone.close();
    }
  });

  it('threw no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
