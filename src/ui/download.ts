import type { ExportFile } from './export-markdown';

/**
 * Saves a file from the page itself (a Blob and an `<a download>`): no `downloads` permission, and the
 * browser asks where to save as it does for any download.
 */
export function downloadFile(file: ExportFile, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: 'text/markdown;charset=utf-8' }));
  const link = doc.createElement('a');
  link.href = url;
  link.download = file.name;
  link.hidden = true;
  doc.body.append(link);
  link.click();
  link.remove();
  // The download has its bytes once it starts; the URL need not outlive that by long.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
