// The BarcodeDetector polyfill (ZXing compiled to WebAssembly), for browsers without a
// native one that reads QR codes. Imported only on demand, so it stays out of the main
// bundle; its .wasm is one of our own assets, never fetched from a CDN.
import { BarcodeDetector, prepareZXingModule } from 'barcode-detector/ponyfill';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

prepareZXingModule({
  overrides: {
    locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? new URL(wasmUrl, location.href).href : prefix + path),
  },
});

export { BarcodeDetector };
