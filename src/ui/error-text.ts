/** One sentence per error code (STYLE §3), as a message key in _locales (src/ext/i18n.ts). */
import type { ErrorCode } from '../shared/errors';
import type { HistoryErrorCode } from '../shared/protocol';

export const ERROR_MESSAGE_KEY: Record<ErrorCode, string> = {
  'model-missing': 'errorModelMissing',
  'model-load-failed': 'errorModelLoadFailed',
  'model-format-unsupported': 'errorModelFormatUnsupported',
  'text-model-missing': 'errorTextModelMissing',
  'image-unreadable': 'errorImageUnreadable',
  'image-truncated': 'errorImageTruncated',
  'image-corrupt': 'errorImageCorrupt',
  'page-image-not-shown': 'errorPageImageNotShown',
  'image-too-large': 'errorImageTooLarge',
  'image-fetch-failed': 'errorImageFetchFailed',
  'image-tainted': 'errorImageTainted',
  'no-image': 'errorNoImage',
  'page-not-allowed': 'errorPageNotAllowed',
  'site-access-needed': 'errorSiteAccessNeeded',
  'empty-selection': 'errorEmptySelection',
  'no-known-words': 'errorNoKnownWords',
  'backend-failed': 'errorBackendFailed',
  timeout: 'errorTimeout',
  internal: 'errorInternal',
};

/** One sentence per reason a shown result was not saved in the history. */
export const HISTORY_ERROR_KEY: Record<HistoryErrorCode, string> = {
  'storage-full': 'historyNotSavedFull',
  'storage-failed': 'historyNotSavedFailed',
};
