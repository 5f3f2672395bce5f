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
