import { Fragment, type ReactNode } from 'react';
import type { HypernetworkCard, LayerSpec } from '../state/hypernetwork-entry.ts';
import {
  formatActivation,
  formatCompactCount,
  formatInteger,
  formatLayer,
  formatStructure,
  hasDropout,
  roleLabel,
} from './format.ts';
import './HypernetworkFacts.css';

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

/** The facts of a parsed hypernetwork: sizes, structure, training provenance and the layout per width. */
export function HypernetworkFacts({ card }: { card: HypernetworkCard }) {
  return (
    <div className="card-body">
      {card.warnings.length > 0 && (
        <ul className="card-warnings" data-testid="hn-warnings" aria-label="Warnings">
          {card.warnings.map((warning, i) => (
            <li key={i}>{warning}</li>
          ))}
        </ul>
      )}

      <ul className="size-chips" data-testid="hn-sizes" aria-label="Sizes present">
        {card.sizes.map((size) => {
          const role = card.sizeRoles[String(size)] ?? 'other';
          return (
            <li key={size} className={`size-chip role-${role}`} data-size={size} data-role={role}>
              <span className="size-chip-width">{size}</span>
              <span className="size-chip-role">{roleLabel(role)}</span>
            </li>
          );
        })}
      </ul>

      <dl className="facts">
        <Fact id="layer-structure" label="Layer structure" mono>
          [{formatStructure(card.layerStructure)}]
        </Fact>
        <Fact id="activation" label="Activation">
          {formatActivation(card.activation)}
        </Fact>
        <Fact id="layer-norm" label="Layer norm">
          {yesNo(card.layerNorm)}
        </Fact>
        <Fact id="activate-output" label="Activate output">
          {yesNo(card.activateOutput)}
        </Fact>
        <Fact id="dropout" label="Dropout" mono>
          [{formatStructure(card.dropoutStructure)}]
          <span className="fact-note">{hasDropout(card.dropoutStructure) ? 'inactive at inference' : 'none'}</span>
        </Fact>
        <Fact id="step" label="Training step">
          {formatInteger(card.step)}
        </Fact>
        <Fact id="dtype" label="Stored dtype" mono>
          {card.dtype}
        </Fact>
        <Fact id="parameters" label="Parameters">
          <span data-value={card.parameters}>{formatInteger(card.parameters)}</span>
          <span className="fact-note">{formatCompactCount(card.parameters)}</span>
        </Fact>
        <Fact id="checkpoint" label="Base checkpoint" wide>
          {card.sdCheckpointName ?? <span className="muted">unknown</span>}
          {card.sdCheckpoint && <code className="hash">{card.sdCheckpoint}</code>}
        </Fact>
        {card.optionalInfo && (
          <Fact id="notes" label="Notes" wide>
            {card.optionalInfo}
          </Fact>
        )}
      </dl>

      <section className="layouts" aria-label="Layout per size">
        <h4 className="section-label">
          Layout per size <span className="muted">(same for K and V)</span>
          {card.legacyKeys && <span className="badge">legacy linear1/linear2 keys</span>}
        </h4>
        <ul className="layout-list" data-testid="hn-layouts">
          {card.sizes.map((size) => (
            <li key={size} className="layout-row" data-size={size}>
              <span className="layout-size">{size}</span>
              <LayoutChain layers={card.layers[String(size)] ?? []} />
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

/** The Sequential children in order; reads as "Linear 768→1536 · ReLU · Linear 1536→768". */
function LayoutChain({ layers }: { layers: readonly LayerSpec[] }) {
  return (
    <code className="layout-chain">
      {layers.map((layer, i) => (
        <Fragment key={i}>
          {i > 0 && <span className="layer-sep"> · </span>}
          <span className={`layer layer-${layer.type}`} title={layer.type === 'dropout' ? 'inactive at inference' : undefined}>
            {formatLayer(layer)}
          </span>
        </Fragment>
      ))}
    </code>
  );
}

function Fact(props: { id: string; label: string; mono?: boolean; wide?: boolean; children: ReactNode }) {
  return (
    <div className={`fact${props.wide ? ' fact-wide' : ''}`}>
      <dt>{props.label}</dt>
      <dd className={props.mono ? 'mono' : undefined} data-testid={`fact-${props.id}`}>
        {props.children}
      </dd>
    </div>
  );
}
