/**
 * URLs of the jupyter-mlops REST API. Pure: no JupyterLab imports, so jest tests it directly.
 */

/** Where the server extension mounts its routes, under the server's base URL. */
export const API_ROOT = 'mlops/api';

/** Query parameters; `undefined` and `null` values are left out, so optional filters can be passed as is. */
export type Query = Record<string, string | number | boolean | undefined | null>;

/**
 * The absolute path of an API endpoint, e.g. `apiUrl('/user/a/', 'runs', {notebook: 'x.ipynb'})`
 * gives `/user/a/mlops/api/runs?notebook=x.ipynb`.
 */
export function apiUrl(baseUrl: string, endpoint: string, query: Query = {}): string {
  const base = baseUrl.replace(/\/+$/, '');
  const path = endpoint.replace(/^\/+/, '');
  const url = path ? `${base}/${API_ROOT}/${path}` : `${base}/${API_ROOT}`;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) {
      params.append(name, String(value));
    }
  }
  const search = params.toString();
  return search ? `${url}?${search}` : url;
}
