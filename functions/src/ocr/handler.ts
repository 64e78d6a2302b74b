/** `ocr`: consumes the `ocr` queue (receipt photos and documents). */
import { createMediaHandler } from '../media.ts';
import { lazyHandler, processDeps } from '../pipeline.ts';

export const handler = lazyHandler(() => createMediaHandler('ocr', processDeps()));
