/** One HTTP exchange with the API server, whichever transport sends it (transport.ts). */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  header(name: string): string | null;
  text(): Promise<string>;
  stream(): ReadableStream<Uint8Array> | null;
}

export interface Transport {
  send(request: HttpRequest): Promise<HttpResponse>;
}
