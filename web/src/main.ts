// Entry point: mounts the one app; App picks the member app or a console by path.
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { applyDocumentLang } from './lib/i18n.svelte';

applyDocumentLang();
mount(App, { target: document.getElementById('app')! });

// Installable as a PWA; the worker keeps only the app shell and never touches /api.
if (window.isSecureContext && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => {
    // Without it the app works the same, only not offline.
  });
}
