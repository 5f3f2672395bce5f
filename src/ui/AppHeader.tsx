import { PwaStatus } from './PwaStatus.tsx';
import './AppHeader.css';

export function AppHeader() {
  return (
    <header className="app-header">
      <div className="brand">
        <img className="brand-logo" src="/favicon.svg" alt="" width={32} height={32} />
        <div>
          <h1 className="brand-name">Hypernetwork Studio</h1>
          <p className="brand-tagline">Stable Diffusion and AUTOMATIC1111 hypernetworks, right in your browser</p>
        </div>
      </div>
      <div className="header-status">
        <PwaStatus />
        <p className="pill privacy-pill" title="Files are parsed in a Web Worker on this device">
          <span aria-hidden="true">●</span> Local only — nothing is uploaded
        </p>
      </div>
    </header>
  );
}
