// Reads QR codes from camera frames or pictures: the browser's own BarcodeDetector where it
// reads QR codes (Android, macOS, ChromeOS), else the polyfill, loaded the first time.

export type QrSource = HTMLVideoElement | HTMLCanvasElement | ImageBitmap | HTMLImageElement | Blob | ImageData;

export interface QrReader {
  /** The texts of the QR codes in `source` (usually none or one). */
  read(source: QrSource): Promise<string[]>;
}

interface Detector {
  detect(source: QrSource): Promise<Array<{ rawValue: string }>>;
}
interface DetectorClass {
  new (options: { formats: string[] }): Detector;
  getSupportedFormats?: () => Promise<readonly string[]>;
}

let reader: Promise<QrReader> | null = null;

async function nativeDetector(): Promise<Detector | null> {
  const Native = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (!Native) return null;
  try {
    const formats = (await Native.getSupportedFormats?.()) ?? [];
    return formats.includes('qr_code') ? new Native({ formats: ['qr_code'] }) : null;
  } catch {
    return null;
  }
}

async function create(): Promise<QrReader> {
  let detector = await nativeDetector();
  if (!detector) {
    const { BarcodeDetector } = await import('./qr-polyfill');
    detector = new BarcodeDetector({ formats: ['qr_code'] }) as unknown as Detector;
  }
  const d = detector;
  return { read: async (source) => (await d.detect(source)).map((b) => b.rawValue) };
}

export function qrReader(): Promise<QrReader> {
  reader ??= create().catch((e) => {
    reader = null;
    throw e;
  });
  return reader;
}

/** Where a scanned text may take us: only links to this campuslink itself. */
export function sameOriginLink(text: string): URL | null {
  try {
    const url = new URL(text.trim());
    if (url.origin !== location.origin) return null;
    return url;
  } catch {
    return null;
  }
}
