import net from "node:net";

/**
 * One HTTP/1.1 request over a plain socket, for bodies no fetch client sends:
 * a Content-Length larger than what is sent, or a chunked body that keeps
 * coming until the server answers. The body is zeros (or `fill`), written as
 * the socket drains; writing stops at the first byte of the answer.
 */
export type RawRequest = {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Declared Content-Length; omitted: the body is sent chunked. */
  contentLength?: number;
  /** Bytes of body actually sent (at most); 0 sends only the headers. */
  send: number;
  /** Chunked: end the body (zero-length chunk) once `send` bytes went. */
  complete?: boolean;
  /** Byte the body is made of (default 0x20, a space: valid JSON whitespace, never JSON). */
  fill?: number;
  /** Give up after this long without an answer (the server hangs). */
  timeoutMs?: number;
};

export type RawAnswer = {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Body bytes written to the socket before the answer's first byte arrived. */
  sentBeforeAnswer: number;
  /** Every status line received (a `100 Continue` shows up here). */
  statusLines: string[];
};

const CHUNK = 64 * 1024;

export function rawRequest(port: number, request: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunked = request.contentLength === undefined;
    const head = [
      `${request.method} ${request.path} HTTP/1.1`,
      "Host: 127.0.0.1",
      ...Object.entries(request.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
      chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${request.contentLength}`,
      "",
      "",
    ].join("\r\n");
    const piece = Buffer.alloc(CHUNK, request.fill ?? 0x20);
    let sent = 0;
    let sentBeforeAnswer = -1;
    let received = Buffer.alloc(0);
    let done = false;
    let ended = false;
    const timer = setTimeout(
      () => finish(new Error(`no answer within ${request.timeoutMs ?? 30_000} ms (${sent} body bytes sent)`)),
      request.timeoutMs ?? 30_000,
    );
    const finish = (error: Error | null, answer?: RawAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer as RawAnswer);
    };
    const writeMore = () => {
      while (!done && sentBeforeAnswer < 0 && sent < request.send) {
        const n = Math.min(CHUNK, request.send - sent);
        const bytes = n === CHUNK ? piece : piece.subarray(0, n);
        const frame = chunked
          ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), bytes, Buffer.from("\r\n")])
          : bytes;
        sent += n;
        if (!socket.write(frame)) {
          socket.once("drain", writeMore);
          return;
        }
      }
      if (!done && chunked && request.complete && sent >= request.send && !ended) {
        ended = true;
        socket.write("0\r\n\r\n");
      }
    };
    socket.on("connect", () => {
      socket.write(head);
      writeMore();
    });
    // EPIPE / ECONNRESET after the answer arrived are the server closing a body it refused.
    socket.on("error", (error) => {
      const answer = parse();
      if (answer) finish(null, answer);
      else finish(error);
    });
    socket.on("data", (data: Buffer) => {
      if (sentBeforeAnswer < 0) sentBeforeAnswer = sent;
      received = Buffer.concat([received, data]);
      const answer = parse();
      if (answer) finish(null, answer);
    });
    socket.on("end", () => {
      const answer = parse();
      if (answer) finish(null, answer);
      else finish(new Error(`connection closed without a complete answer: ${received.toString("latin1")}`));
    });

    /** The final answer once complete (interim 1xx answers are skipped); null while incomplete. */
    function parse(): RawAnswer | null {
      const statusLines: string[] = [];
      let rest = received;
      for (;;) {
        const end = rest.indexOf("\r\n\r\n");
        if (end < 0) return null;
        const lines = rest.subarray(0, end).toString("latin1").split("\r\n");
        const statusLine = lines[0] ?? "";
        statusLines.push(statusLine);
        const status = Number(statusLine.split(" ")[1]);
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(":");
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        rest = rest.subarray(end + 4);
        if (status >= 100 && status < 200) continue;
        const length = Number(headers["content-length"] ?? "NaN");
        if (Number.isFinite(length)) {
          if (rest.length < length) return null;
          rest = rest.subarray(0, length);
        } else if (headers["transfer-encoding"] === "chunked") {
          if (!rest.includes("\r\n0\r\n\r\n") && !rest.toString("latin1").startsWith("0\r\n")) return null;
          rest = Buffer.from(dechunk(rest.toString("latin1")), "latin1");
        }
        return { status, headers, body: rest.toString("utf8"), sentBeforeAnswer, statusLines };
      }
    }
  });
}

function dechunk(text: string): string {
  let out = "";
  let i = 0;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", i);
    const size = Number.parseInt(text.slice(i, lineEnd), 16);
    if (!size) return out;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    i = lineEnd + 2 + size + 2;
  }
}
