import { backendAdvice } from '../state/failure-advice.ts';
import { useStudio } from '../state/store.ts';

/** Why the model runs on WASM although WebGPU was wanted, and how to get WebGPU. */
export function BackendNotice() {
  const info = useStudio((s) => (s.model.status === 'ready' ? s.model.info : null));
  const choice = useStudio((s) => s.model.backendChoice);
  const advice = backendAdvice(info, choice);
  if (!advice) return null;
  return (
    <div className="backend-notice" role="note" data-testid="backend-notice">
      <p>
        <span className="badge badge-warn">no WebGPU</span> {advice.cause}
      </p>
      <p className="muted">{advice.action}</p>
    </div>
  );
}
