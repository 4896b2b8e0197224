/** The page's entry: its WebSocket to the server that served it, the store, and React. */
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { PageLink } from './link.js';
import { ConsoleStore } from './store.js';

const link = new PageLink(`ws://${location.host}/ws`);
const store = new ConsoleStore(link);
createRoot(document.getElementById('root')!).render(<App store={store} />);
