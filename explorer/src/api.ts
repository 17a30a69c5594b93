/** The narsolve API as the page calls it: same origin only, problems turned into readable errors. */

/** An RFC 9457 problem the server answered with. */
export class Problem extends Error {
  constructor(readonly status: number, readonly body: { code?: string; title?: string; detail?: string; errors?: { pointer: string; message: string }[] }) {
    super(`${body.title ?? `HTTP ${status}`}${body.detail ? `: ${body.detail}` : ''}`);
  }
}

let apiKey = '';
export function setApiKey(key: string): void {
  apiKey = key.trim();
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (apiKey && path.startsWith('/graphs')) headers.authorization = `Bearer ${apiKey}`;
  const response = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new Problem(response.status, parsed ?? {});
  return parsed as T;
}

export const graphPath = (id: string, rest = ''): string => `/graphs/${encodeURIComponent(id)}${rest}`;
