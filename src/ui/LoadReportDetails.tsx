import type { BackendChoice, ModelInfo } from '../state/model-types.ts';
import { loadReportView } from './load-report.ts';

/** The collapsible "Load report" under the model bar: backend and why, memory plan, conversions, phases. */
export function LoadReportDetails({ info, choice }: { info: ModelInfo; choice: BackendChoice }) {
  const view = loadReportView(info, choice);
  return (
    <details className="load-report" data-testid="load-report">
      <summary>Load report</summary>
      <p data-testid="load-report-backend">
        <strong>{view.backend}</strong> — {view.why}
      </p>
      <dl className="load-report-plan" data-testid="load-report-plan">
        {view.plan.map((row) => (
          <div key={row.label}>
            <dt>{row.label}</dt>
            <dd>{row.value}</dd>
          </div>
        ))}
      </dl>
      {view.conversions.length === 0 ? (
        <p className="muted" data-testid="load-report-conversions">
          No conversions: the weights run as stored.
        </p>
      ) : (
        <ul data-testid="load-report-conversions">
          {view.conversions.map((c) => (
            <li key={c.network}>
              {c.network}: {c.what}. Drift: {c.drift}.
            </li>
          ))}
        </ul>
      )}
      <table className="load-report-phases" data-testid="load-report-phases">
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">Time</th>
            <th scope="col">JS memory</th>
            <th scope="col">WASM heap</th>
            <th scope="col">GPU (estimate)</th>
          </tr>
        </thead>
        <tbody>
          {view.phases.map((p) => (
            <tr key={p.phase} data-phase={p.phase}>
              <th scope="row">{p.phase}</th>
              <td>{p.time}</td>
              <td>{p.js}</td>
              <td>{p.wasmHeap}</td>
              <td>{p.gpu}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
