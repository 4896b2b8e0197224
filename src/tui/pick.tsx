/** Asks the person which running proxy to attach to. */
import { render } from 'ink';
import type { ProxyStateFile } from '../control/protocol.js';
import { Picker } from './components/Picker.js';

/** Resolves with the chosen proxy, or undefined when the person cancels. */
export async function pickProxy(proxies: ProxyStateFile[]): Promise<ProxyStateFile | undefined> {
  let picked: ProxyStateFile | undefined;
  const instance = render(<Picker proxies={proxies} onPick={(p) => (picked = p)} />, { patchConsole: false });
  await instance.waitUntilExit();
  instance.clear();
  return picked;
}
