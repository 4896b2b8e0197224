/**
 * Reads an SSE response body event by event, as it arrives (never buffered to the end).
 * `onRetry` hears the server's `retry:` field: how long it asks a client to wait before it
 * reconnects.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { EventSourceParserStream } from 'eventsource-parser/stream';

export async function* readSse(body: ReadableStream<Uint8Array>, onRetry?: (ms: number) => void): AsyncGenerator<EventSourceMessage> {
  const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream({ onRetry }));
  const reader = events.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** A peer's message (an SSE event, a JSON body) that grew past the size limit before it ended. */
export class MessageTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`a message of over ${limit} bytes (${bytes} read so far) was cut off`);
    this.name = 'MessageTooLargeError';
  }
}

/**
 * The same for a Node stream (a `node:http` response): the same parser, fed straight from the
 * socket's chunks, without the two web-stream stages in between. Decodes as `readSse` does
 * (UTF-8, a leading BOM dropped, bad bytes replaced). `maxEventBytes` bounds what one event may
 * take before it ends (the parser holds an unfinished event in memory): past it, a
 * MessageTooLargeError ends the stream. It is counted in whole chunks since the last event.
 */
export async function* readSseNode(body: Readable, onRetry?: (ms: number) => void, maxEventBytes = Infinity): AsyncGenerator<EventSourceMessage> {
  const events: EventSourceMessage[] = [];
  let unfinished = 0;
  const parser = createParser({ onEvent: (event) => events.push(event), onRetry });
  const decoder = new StringDecoder('utf8');
  let started = false;
  const feed = (text: string) => {
    if (!started && text.length > 0) {
      started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length > 0) parser.feed(text);
  };
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    feed(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    unfinished = events.length > 0 ? 0 : unfinished + chunk.length;
    if (unfinished > maxEventBytes) {
      body.destroy();
      throw new MessageTooLargeError(unfinished, maxEventBytes);
    }
    for (let i = 0; i < events.length; i++) yield events[i]!;
    events.length = 0;
  }
  feed(decoder.end());
  for (const event of events) yield event;
}
