/** Build flags (webpack DefinePlugin). */
declare const __BROWSER__: 'chrome' | 'firefox';
/** true only in the e2e build (dist/test-*): enables test-only hooks. */
declare const __TEST__: boolean;
