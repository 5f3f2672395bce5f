import { describe, expect, it } from 'vitest';
import { StudioError } from '../core/errors.ts';
import { EngineCrashedError } from '../engine/client.ts';
import { losesModel, toUiError } from './errors.ts';

describe('toUiError: one vocabulary for what the panels show', () => {
  it('keeps a StudioError’s code, message and details', () => {
    expect(toUiError(new StudioError('bad-prompt', 'Prompt: x', { offset: 3 }))).toEqual({ code: 'bad-prompt', message: 'Prompt: x', details: { offset: 3 } });
  });

  it('an engine crash is a StudioError of its own code, and loses the model', () => {
    const crash = new EngineCrashedError('Engine stopped: out of memory.');
    expect(crash).toBeInstanceOf(StudioError);
    const shown = toUiError(crash);
    expect(shown).toEqual({ code: 'engine-crashed', message: 'Engine stopped: out of memory.', details: {} });
    expect(losesModel(shown)).toBe(true);
  });

  it('anything else is a bug, shown as internal-error with its message', () => {
    expect(toUiError(new TypeError('x is undefined'))).toEqual({ code: 'internal-error', message: 'Unexpected error: x is undefined', details: {} });
    expect(toUiError('plain string').code).toBe('internal-error');
  });
});
