/** Records every frame the pipeline reports onto a tape. It observes; it never decides. */
import type { Interceptor } from '../core/chain.js';
import type { FrameEvent } from '../core/context.js';
import type { TapeRecorder } from '../tape/recorder.js';

export class RecordingInterceptor implements Interceptor {
  readonly name = 'recording';

  constructor(readonly recorder: TapeRecorder) {}

  observe(event: FrameEvent): void {
    this.recorder.record(event);
  }

  close(): void {
    this.recorder.close();
  }
}
