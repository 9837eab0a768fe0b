// Stand-ins for two modules of @tensorflow/tfjs-backend-wasm in the bundles (webpack.config.js).
// The extension starts the wasm backend itself (src/model/tf.ts): the threaded build's emscripten
// glue is loaded from its packaged file, only when threads can run (never in Firefox), and the
// worker script is a packaged file too. Only tfjs-backend-wasm's own init() would use these
// modules, to make blob: scripts the MV3 CSP refuses; bundling them would add ~36 kB of dead code.
'use strict';
module.exports = function threadedGlueNotBundled() {
  throw new Error('the threaded wasm glue is loaded from tfjs-backend-wasm-threaded-simd.js (src/model/tf.ts)');
};
module.exports.wasmWorkerContents = '';
