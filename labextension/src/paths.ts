/**
 * Notebook path helpers. Pure: no JupyterLab imports, so jest tests them directly.
 */

/** The file name of a server-relative path (`a/b/train.ipynb` → `train.ipynb`), for display. */
export function fileName(path: string): string {
  const parts = path.split('/').filter(part => part.length > 0);
  return parts.length > 0 ? parts[parts.length - 1] : '';
}
