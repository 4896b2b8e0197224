/** Compiling a filter tree to a predicate: globs and regular expressions are built once. */
import { parseFilter, type FilterNode } from './parser.js';

export interface FilterSubject {
  direction: 'c2s' | 's2c';
  kind: 'request' | 'notification' | 'response' | 'error' | 'batch' | 'invalid';
  /** For an answer: the method of the request it answers, when known. */
  method?: string;
  /** The tool of a tools/call (or of the call an answer answers). */
  toolName?: string;
  id?: string | number | null;
  sessionId: string;
  /** The raw JSON text of the message. */
  text: string;
}

export type FilterPredicate = (subject: FilterSubject) => boolean;

export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

function compileNode(node: FilterNode): FilterPredicate {
  switch (node.type) {
    case 'or': {
      const [a, b] = [compileNode(node.left), compileNode(node.right)];
      return (s) => a(s) || b(s);
    }
    case 'and': {
      const [a, b] = [compileNode(node.left), compileNode(node.right)];
      return (s) => a(s) && b(s);
    }
    case 'not': {
      const a = compileNode(node.operand);
      return (s) => !a(s);
    }
    case 'method': {
      const re = globToRegExp(node.glob);
      return (s) => s.method !== undefined && re.test(s.method);
    }
    case 'tool': {
      const re = globToRegExp(node.glob);
      return (s) => s.toolName !== undefined && re.test(s.toolName);
    }
    case 'session': {
      const re = globToRegExp(node.glob);
      return (s) => re.test(s.sessionId);
    }
    case 'direction':
      return (s) => s.direction === node.value;
    case 'kind':
      return (s) => s.kind === node.value;
    case 'id':
      return (s) => s.id !== undefined && s.id !== null && String(s.id) === node.value;
    case 'body': {
      const re = new RegExp(node.pattern);
      return (s) => re.test(s.text);
    }
    case 'error':
      return (s) => s.kind === 'error';
    case 'all':
      return () => true;
  }
}

export function compileFilter(expression: string): FilterPredicate {
  return compileNode(parseFilter(expression));
}
