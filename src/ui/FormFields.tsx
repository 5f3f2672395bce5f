/** The form's labelled fields: a plain one around any control, and a number input. */
import type { ReactNode } from 'react';

export function Field({ id, label, wide, children }: { id: string; label: string; wide?: boolean; children: ReactNode }) {
  return (
    <div className={`field${wide ? ' field-wide' : ''}`}>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children}
    </div>
  );
}

/** A labelled select of plain text choices (value = label). */
export function SelectField({ id, label, testId, value, options, onChange }: { id: string; label: string; testId: string; value: string; options: readonly string[]; onChange: (value: string) => void }) {
  return (
    <Field id={id} label={label} wide>
      <select id={id} className="select" value={value} data-testid={testId} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </Field>
  );
}

export interface NumberFieldProps {
  id: string;
  label: string;
  testId: string;
  value: number | null;
  min: number;
  max: number;
  step: number;
  onChange: (value: number) => void;
  placeholder?: string;
}

/** A number input whose empty or partial text is kept as NaN; the engine says what a valid value is. */
export function NumberField({ id, label, testId, value, min, max, step, onChange, placeholder }: NumberFieldProps) {
  return (
    <Field id={id} label={label}>
      <input
        id={id}
        className="input mono"
        type="number"
        min={min}
        max={max}
        step={step}
        data-testid={testId}
        placeholder={placeholder}
        value={value === null || Number.isNaN(value) ? '' : value}
        onChange={(e) => onChange(e.currentTarget.valueAsNumber)}
      />
    </Field>
  );
}

/**
 * A1111's slider with its number box: the range input carries the label, the box beside it takes an exact
 * value (named "<label> value"). Used for the denoising strengths.
 */
export function SliderField({ id, label, testId, value, min, max, step, onChange }: NumberFieldProps) {
  const shown = value === null || Number.isNaN(value) ? '' : value;
  return (
    <div className="field field-wide">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className="slider-row">
        <input id={id} className="range" type="range" min={min} max={max} step={step} data-testid={`${testId}-slider`} value={shown === '' ? min : shown} onChange={(e) => onChange(e.currentTarget.valueAsNumber)} />
        <input
          className="input mono slider-value"
          type="number"
          min={min}
          max={max}
          step={step}
          aria-label={`${label} value`}
          data-testid={testId}
          value={shown}
          onChange={(e) => onChange(e.currentTarget.valueAsNumber)}
        />
      </div>
    </div>
  );
}
