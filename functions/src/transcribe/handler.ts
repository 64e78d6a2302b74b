/** `transcribe`: consumes the `transcribe` queue (voice notes → Whisper → the conversation). */
import { createMediaHandler } from '../media.ts';
import { lazyHandler, processDeps } from '../pipeline.ts';

export const handler = lazyHandler(() => createMediaHandler('transcribe', processDeps()));
