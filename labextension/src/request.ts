import { ServerConnection } from '@jupyterlab/services';

import { apiUrl, Query } from './url';

/**
 * Call the jupyter-mlops REST API: the one way the panel talks to the server.
 *
 * ServerConnection adds the token/cookie and the XSRF header. A non-2xx answer throws a
 * ServerConnection.ResponseError whose message is the server's own (`{"message": ...}`), so
 * the panel can show it as is.
 */
export async function requestAPI<T>(
  endpoint: string,
  init: RequestInit = {},
  query: Query = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = apiUrl(settings.baseUrl, endpoint, query);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let data: unknown = text;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      // Not JSON (e.g. a proxy's HTML error page): keep the text for the message below.
    }
  }
  if (!response.ok) {
    const message =
      typeof data === 'object' && data !== null && 'message' in data
        ? String((data as { message: unknown }).message)
        : text;
    throw new ServerConnection.ResponseError(response, message);
  }
  return data as T;
}
