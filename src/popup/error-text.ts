/** One sentence per error code (STYLE §3): what happened and what to do. */
import type { ErrorCode } from '../shared/errors';

export const ERROR_TEXT: Record<ErrorCode, string> = {
  'model-missing': 'The model could not be loaded: a file of it is missing from the extension (named below). Rebuild the extension with its model_web folder, or pick another model in Settings.',
  'model-load-failed': 'The model could not be loaded: a file of it is damaged (named below). Rebuild the extension, or pick another model in Settings.',
  'model-format-unsupported': 'The model file is neither a TF.js layers model nor a graph model, so TensorLens cannot load it.',
  'text-model-missing': 'The text model could not be loaded: it is not installed or a file of it is missing (named below). Add one under model_web/ and rebuild.',
  'image-unreadable': 'That image could not be read. It may not be a picture, or not have loaded yet.',
  'image-truncated': 'That image file is incomplete (cut off), so TensorLens did not classify it: a partial picture would give a wrong answer. Reload the page or the image and try again.',
  'image-corrupt': 'That image file is damaged, so TensorLens did not classify it.',
  'page-image-not-shown': 'TensorLens could not download that image itself, and the element you right-clicked does not show it completely, so it did not guess from other pixels. Wait until the image has loaded and right-click the image itself.',
  'image-too-large': 'That image is too large to classify.',
  'image-fetch-failed': 'The image could not be downloaded.',
  'image-tainted': 'The page does not allow reading the pixels of that canvas or video.',
  'no-image': 'There is no image where you right-clicked.',
  'page-not-allowed': 'Browsers do not let extensions read this page (for example chrome:// or add-on store pages).',
  'empty-selection': 'Nothing is selected. Select some text, then right-click it.',
  'no-known-words': "No known words: this model can't judge this text. None of its words are in the model's vocabulary, so any label would be a guess.",
  'backend-failed': 'TensorFlow.js could not start on this device. Try another backend in Settings.',
  timeout: 'That took too long and was stopped. Please try again.',
  internal: 'Something went wrong inside TensorLens. Please try again.',
};

export function errorSentence(code: ErrorCode): string {
  return ERROR_TEXT[code];
}
