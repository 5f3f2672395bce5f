import { setImportFp16 } from '../state/actions/import-precision.ts';
import type { Fp16Choice } from '../state/storage-types.ts';

/** The import's "Convert to fp16" checkbox and why it is on or off by default on this machine. */
export function ImportFp16Option({ choice, disabled }: { choice: Fp16Choice; disabled: boolean }) {
  return (
    <div className="models-import-option" data-testid="import-fp16" data-checked={String(choice.checked)} data-recommended={String(choice.recommended)} data-probed={String(choice.probed)}>
      <label>
        <input type="checkbox" checked={choice.checked} disabled={disabled} aria-describedby="import-fp16-note" onChange={(e) => setImportFp16(e.currentTarget.checked)} /> Convert to fp16
      </label>
      <p id="import-fp16-note" className="muted" data-testid="import-fp16-note">
        fp32 weights are converted while they are copied (fp16 models stay as they are). {choice.note}
      </p>
    </div>
  );
}
