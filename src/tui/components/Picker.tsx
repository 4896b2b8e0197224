/** `mcp-tap attach` with several proxies running: pick one with the arrows and Enter (q or Esc: none). */
import { useState } from 'react';
import { Box, Text, useApp, useInput } from 'ink';
import type { ProxyStateFile } from '../../control/protocol.js';
import { clockTime } from '../format.js';
import { fit } from '../text.js';

export function Picker({ proxies, onPick }: { proxies: ProxyStateFile[]; onPick: (proxy: ProxyStateFile | undefined) => void }) {
  const [index, setIndex] = useState(0);
  const { exit } = useApp();
  useInput((input, key) => {
    if (key.upArrow || input === 'k') setIndex((i) => Math.max(0, i - 1));
    else if (key.downArrow || input === 'j') setIndex((i) => Math.min(proxies.length - 1, i + 1));
    else if (key.return) {
      onPick(proxies[index]);
      exit();
    } else if (key.escape || input === 'q') {
      onPick(undefined);
      exit();
    }
  });
  return (
    <Box flexDirection="column">
      <Text bold color="cyan">
        {`${proxies.length} proxies are running; attach to which? (↑ ↓, Enter; q cancels)`}
      </Text>
      {proxies.map((p, i) => (
        <Text key={p.id} inverse={i === index} wrap="truncate-end">
          {`${i === index ? '›' : ' '} ${fit(p.id, 8)} ${fit(p.title, 40)} ${fit(p.tape ?? '', 24)} pid ${fit(String(p.pid), 8)} since ${clockTime(p.startedAt)}`}
        </Text>
      ))}
    </Box>
  );
}
