import { LIMITS } from '@todo/shared/contract';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { gate } from '../../test/fakeBackend.ts';
import { json } from '../../test/server.ts';
import { setupApp } from '../../test/setupApp.tsx';
import { todayLocal } from './dates.ts';

const { backend, renderApp } = setupApp({ signedInAs: 'tess' });

const taskTitles = () =>
  within(screen.getByRole('region', { name: 'Your tasks' }))
    .queryAllByRole('heading', { level: 3 })
    .map((h) => h.textContent);

describe('new task form', () => {
  it('defaults the due date to today in local time', async () => {
    await renderApp();
    expect((screen.getByLabelText('Due date') as HTMLInputElement).value).toBe(todayLocal());
  });

  it('mirrors the API rules with messages beside the fields', async () => {
    const user = userEvent.setup();
    await renderApp();
    await user.type(screen.getByLabelText('Title'), '   ');
    await user.clear(screen.getByLabelText('Due date'));
    await user.click(screen.getByRole('button', { name: 'Add task' }));
    expect(screen.getByText('Title is required.')).toBeTruthy();
    expect(screen.getByText('Please choose a due date.')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Title'));
    expect(backend.requests.filter((r) => r.url.includes('create-task'))).toHaveLength(0);
  });

  it('rejects a title longer than the API allows', async () => {
    const user = userEvent.setup();
    await renderApp();
    const title = screen.getByLabelText('Title');
    await user.click(title);
    await user.paste('x'.repeat(LIMITS.titleMax + 1));
    await user.click(screen.getByRole('button', { name: 'Add task' }));
    expect(screen.getByText(`Title must be at most ${LIMITS.titleMax} characters.`)).toBeTruthy();
  });

  it('disables submit while saving and puts the new task on top', async () => {
    backend.addTask({ title: 'Older task' });
    const hold = gate();
    backend.setOverride(async (req) => {
      if (req.url === '/function/create-task') await hold.promise;
      return false;
    });
    const user = userEvent.setup();
    await renderApp();
    expect(taskTitles()).toEqual(['Older task']);

    await user.type(screen.getByLabelText('Title'), 'Water the plants');
    await user.type(screen.getByLabelText('Notes'), 'The big ones too');
    await user.click(screen.getByRole('button', { name: 'Add task' }));
    const saving = screen.getByRole('button', { name: 'Adding…' }) as HTMLButtonElement;
    expect(saving.disabled).toBe(true);

    hold.open();
    await screen.findByRole('heading', { name: 'Water the plants' });
    expect(taskTitles()).toEqual(['Water the plants', 'Older task']);
    expect((screen.getByRole('button', { name: 'Add task' }) as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByLabelText('Title') as HTMLInputElement).value).toBe('');
    expect(document.activeElement).toBe(screen.getByLabelText('Title'));
    const sent = JSON.parse(backend.requests.find((r) => r.url === '/function/create-task')?.body.toString() ?? '{}');
    expect(sent).toEqual({ title: 'Water the plants', body: 'The big ones too', dueDate: todayLocal() });
    // Only the first load: the task came from the create reply, not a reload.
    expect(backend.requests.filter((r) => r.url.startsWith('/function/list-tasks'))).toHaveLength(1);
  });

  it('shows the API’s own field messages', async () => {
    backend.setOverride((req, res) => {
      if (req.url !== '/function/create-task') return false;
      json(res, 400, { error: { code: 'validation_failed', message: 'bad', fields: [{ field: 'dueDate', message: 'must be a real date written as YYYY-MM-DD' }] } });
      return true;
    });
    const user = userEvent.setup();
    await renderApp();
    await user.type(screen.getByLabelText('Title'), 'Something');
    await user.click(screen.getByRole('button', { name: 'Add task' }));
    expect(await screen.findByText('Due date must be a real date written as YYYY-MM-DD.')).toBeTruthy();
  });

  it('says when saving failed, in words', async () => {
    backend.setOverride((req, res) => {
      if (req.url !== '/function/create-task') return false;
      json(res, 503, { error: { code: 'service_unavailable', message: 'db down' } });
      return true;
    });
    const user = userEvent.setup();
    await renderApp();
    await user.type(screen.getByLabelText('Title'), 'Something');
    await user.click(screen.getByRole('button', { name: 'Add task' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Your task was not saved. The service is not available right now. Please try again in a moment.',
    );
    expect((screen.getByLabelText('Title') as HTMLInputElement).value).toBe('Something');
  });
});

describe('task list', () => {
  it('shows due dates in words and highlights overdue tasks', async () => {
    const today = todayLocal();
    const shift = (days: number) => {
      const d = new Date();
      d.setDate(d.getDate() + days);
      return todayLocal(d);
    };
    backend.addTask({ title: 'Late', dueDate: shift(-3) });
    backend.addTask({ title: 'Tomorrow', dueDate: shift(1) });
    backend.addTask({ title: 'Today', dueDate: today });
    await renderApp();
    expect(screen.getByText('Due today')).toBeTruthy();
    expect(screen.getByText('Due tomorrow')).toBeTruthy();
    expect(screen.getByText('Overdue by 3 days')).toBeTruthy();
    const late = screen.getByRole('heading', { name: 'Late' }).closest('li');
    expect(late?.className).toContain('task--overdue');
    expect(screen.getAllByText('just now')).toHaveLength(3);
  });

  it('loads more with the cursor', async () => {
    for (let i = 1; i <= 25; i++) backend.addTask({ title: `Task ${i}` });
    const user = userEvent.setup();
    await renderApp();
    expect(taskTitles()).toHaveLength(20);
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(taskTitles()).toHaveLength(25));
    expect(taskTitles().at(-1)).toBe('Task 1');
    expect(backend.requests.at(-1)?.url).toBe('/function/list-tasks?limit=20&cursor=20');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    // Focus moves in an effect after the new rows are on screen, so it may land a tick later.
    await waitFor(() => expect(document.activeElement?.textContent).toBe('Task 5'));
  });
});

describe('deleting', () => {
  it('asks first, removes at once, and moves focus to the next task', async () => {
    backend.addTask({ title: 'Second' });
    backend.addTask({ title: 'First' });
    const user = userEvent.setup();
    await renderApp();
    await user.click(screen.getByRole('button', { name: 'Delete “First”' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete this task?' });
    expect(within(dialog).getByText('“First” will be deleted for good.')).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Keep it' }));
    expect(taskTitles()).toEqual(['First', 'Second']);

    await user.click(screen.getByRole('button', { name: 'Delete “First”' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Delete this task?' })).getByRole('button', { name: 'Delete task' }));
    expect(taskTitles()).toEqual(['Second']);
    await waitFor(() => expect(document.activeElement?.textContent).toBe('Second'));
    await waitFor(() => expect(backend.tasks.map((t) => t.title)).toEqual(['Second']));
  });

  it('puts the task back when the delete fails', async () => {
    backend.addTask({ title: 'Keep me' });
    const hold = gate();
    backend.setOverride(async (req, res) => {
      if (!req.url.startsWith('/function/delete-task')) return false;
      await hold.promise;
      json(res, 500, { error: { code: 'internal_error', message: 'boom' } });
      return true;
    });
    const user = userEvent.setup();
    await renderApp();
    await user.click(screen.getByRole('button', { name: 'Delete “Keep me”' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete task' }));
    expect(taskTitles()).toEqual([]);
    hold.open();
    await screen.findByRole('heading', { name: 'Keep me' });
    expect(screen.getByText(/We could not delete “Keep me”, so it is back in your list\./)).toBeTruthy();
  });
});
