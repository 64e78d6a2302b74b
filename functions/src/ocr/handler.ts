/** `ocr`: consumes the `ocr` queue (receipt photos → Tesseract and the receipt reader → the conversation). */
import { createMediaHandler } from '../media.ts';
import { lazyHandler, processDeps } from '../pipeline.ts';

export const handler = lazyHandler(() => createMediaHandler('ocr', processDeps()));
