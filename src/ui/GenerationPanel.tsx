import { useEffect } from 'react';
import { cancelGeneration } from '../state/actions/generation.ts';
import { useStudio } from '../state/store.ts';
import { GenerationForm } from './GenerationForm.tsx';
import { GenerationOutput } from './GenerationOutput.tsx';
import { ModelBar } from './ModelBar.tsx';
import { StackPanel } from './StackPanel.tsx';
import { BackendNotice } from './BackendNotice.tsx';
import { StudioTools } from './StudioTools.tsx';
import { XyzPlotPanel } from './XyzPlotPanel.tsx';
import './GenerationPanel.css';

/** Text to image: the model and its backend, the settings, the run and its results. */
export function GenerationPanel() {
  useEscapeCancels();
  return (
    <section className="gen-panel card" aria-labelledby="gen-panel-title" data-testid="generation-panel">
      <div className="gen-panel-header">
        <h2 id="gen-panel-title" className="panel-title">
          Generate
        </h2>
        <ModelBar />
      </div>
      <BackendNotice />
      <div className="gen-body">
        <div className="gen-left">
          <GenerationForm />
          <StackPanel />
          <StudioTools />
          <XyzPlotPanel />
        </div>
        <GenerationOutput />
      </div>
    </section>
  );
}

/** Escape anywhere on the page stops the run in flight. */
function useEscapeCancels(): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || useStudio.getState().generation.status !== 'running') return;
      event.preventDefault();
      void cancelGeneration();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
