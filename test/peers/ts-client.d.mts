// Types for ts-client.mjs, so TypeScript tests can import it.
export const MODERN: string;

export interface ScenarioOptions {
  negotiation: 'auto' | 'legacy' | 'pin';
  url?: string;
  headers?: Record<string, string>;
  stdio?: { command: string; args: string[]; env?: Record<string, string> };
  clientName?: string;
}

export interface ScenarioStep {
  name: string;
  result?: unknown;
  error?: { code: number | null; message: string };
}

export interface ScenarioView {
  protocolVersion?: string;
  server?: unknown;
  steps: ScenarioStep[];
  progress?: unknown[];
  logs?: unknown[];
  listen?: { honored: unknown; updates?: string[] };
}

export function runScenario(options: ScenarioOptions): Promise<ScenarioView>;
